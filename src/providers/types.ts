import type { Employee, EmploymentStatus } from '../models/employee';

export type FetchLike = (request: Request) => Promise<Response>;

export interface EmployeeListQuery {
  limit: number;
  /** Decoded from the caller's cursor; the provider validates its own shape. */
  position: unknown;
  email?: string | undefined;
  employmentStatus?: EmploymentStatus[] | undefined;
  updatedAfter?: Date | undefined;
  includeRemoteData: boolean;
}

export interface Page<Item> {
  items: Item[];
  /** Where the next page starts, or null at the end; encoded into an opaque cursor by the route. */
  next: object | null;
}

/** The unified HRIS operations a provider implements; Personio v1 today, v2 behind the same shape later. */
export interface HrisProvider {
  listEmployees(query: EmployeeListQuery): Promise<Page<Employee>>;
  getEmployee(id: string, options: { includeRemoteData: boolean }): Promise<Employee | null>;
}
