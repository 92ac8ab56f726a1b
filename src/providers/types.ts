import type { Employee, EmploymentStatus } from '../models/employee';
import type { TimeoffBalance, TimeoffRequest, TimeoffStatus, TimeoffType } from '../models/timeoff';

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

export interface TimeoffRequestListQuery {
  limit: number;
  /** Decoded from the caller's cursor; the provider validates its own shape. */
  position: unknown;
  employeeId?: string | undefined;
  timeoffTypeId?: string | undefined;
  statuses?: TimeoffStatus[] | undefined;
  updatedAfter?: Date | undefined;
  /** Window of inclusive dates (`YYYY-MM-DD`): absences that overlap it; either side may be open. */
  startDate?: string | undefined;
  endDate?: string | undefined;
  includeRemoteData: boolean;
}

export interface NewTimeoffRequest {
  employeeId: string;
  timeoffTypeId: string;
  startDate: string;
  endDate: string;
  startHalfDay: boolean;
  endHalfDay: boolean;
  /** `HH:mm`, hour-based absences within one day only. */
  startTime: string | null;
  endTime: string | null;
  employeeNote: string | null;
  /** false: the request goes through the type's approval flow (if it has one). */
  skipApproval: boolean;
}

/** Employee fields a provider can write, in unified terms; `undefined` leaves a field as it is. */
export interface EmployeeFields {
  firstName?: string | undefined;
  lastName?: string | undefined;
  preferredName?: string | undefined;
  gender?: 'male' | 'female' | 'diverse' | undefined;
  jobTitle?: string | undefined;
  /** By name: Personio takes department, office and subcompany by their names. */
  departmentName?: string | undefined;
  workLocationName?: string | undefined;
  legalEntityName?: string | undefined;
  hireDate?: string | undefined;
  weeklyWorkingHours?: number | undefined;
  employmentStatus?: EmploymentStatus | undefined;
  /** null removes the manager (updates only). */
  managerId?: string | null | undefined;
  /** By custom attribute label or key (`dynamic_…`). */
  customFields?: Record<string, string> | undefined;
}

export interface NewEmployee extends EmployeeFields {
  workEmail: string;
  firstName: string;
  lastName: string;
}

export interface EmployeeWriteResult {
  employee: Employee;
  /** What the provider accepted the write without applying (e.g. an unknown department name). */
  warnings: string[];
}

/** An employee's picture as the provider streams it; `notModified` answers a matching conditional request. */
export interface EmployeeAvatar {
  notModified: boolean;
  /** Content and caching headers (`Content-Type`, `Content-Length`, `Cache-Control`, `ETag`, …) as sent. */
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
}

export interface WriteOptions {
  /**
   * Did the caller make the write idempotent (an `Idempotency-Key`)? Then it is re-sent where Personio says
   * it did not act (429, 503), and after an unknown outcome (timeout, 502/504) Personio is asked whether it
   * happened before the write is sent again.
   */
  retry: boolean;
  /**
   * An earlier attempt of this keyed write was cut off (its gateway process stopped) before it answered:
   * Personio may already have acted, so it is asked first, as after a timeout.
   */
  outcomeUnknown?: boolean;
}

export interface TimeoffBalanceListQuery {
  limit: number;
  position: unknown;
  employeeId?: string | undefined;
}

/** A field of the provider's employee records that the credential can read (Personio: an attribute). */
export interface RemoteField {
  key: string;
  label: string | null;
  /** The provider's type name (Personio: `standard`, `date`, `list`, …). */
  type: string | null;
  /** Allowed values of a list field, as the provider declares them; empty when none. */
  options: string[];
  /** A company-defined field, carried in `custom_fields` under its key (what field mappings can read). */
  custom: boolean;
  /** Only when samples were asked for: a few distinct values from the first records, as text. */
  samples?: string[];
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
  listTimeoffTypes(options: { includeRemoteData: boolean }): Promise<TimeoffType[]>;
  listTimeoffRequests(query: TimeoffRequestListQuery): Promise<Page<TimeoffRequest>>;
  getTimeoffRequest(id: string, options: { includeRemoteData: boolean }): Promise<TimeoffRequest | null>;
  createTimeoffRequest(input: NewTimeoffRequest, options: WriteOptions): Promise<TimeoffRequest>;
  /** false when no such request exists. */
  deleteTimeoffRequest(id: string, options: WriteOptions): Promise<boolean>;
  listTimeoffBalances(query: TimeoffBalanceListQuery): Promise<Page<TimeoffBalance>>;
  createEmployee(input: NewEmployee, options: WriteOptions): Promise<EmployeeWriteResult>;
  /** null when the employee has no picture or the credential may not read pictures. */
  getEmployeeAvatar(
    id: string,
    options: { width: number; conditional: Headers },
  ): Promise<EmployeeAvatar | null>;
  /**
   * The employee fields the credential can read; `samples` > 0 adds up to that many values of each, read from
   * the first records. `hideAbsenceDetails`: no samples of fields that would reveal absences.
   */
  listRemoteFields(options: { samples: number; hideAbsenceDetails: boolean }): Promise<RemoteField[]>;
  /** null when no such employee. */
  updateEmployee(
    id: string,
    input: EmployeeFields,
    options: WriteOptions,
  ): Promise<EmployeeWriteResult | null>;
}
