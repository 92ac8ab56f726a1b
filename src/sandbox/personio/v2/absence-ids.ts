/**
 * How the simulator's v2 names absences. REFERENCE §1: v1 time-off ids are integers, v2 absence ids are
 * UUIDs, and nothing Personio publishes says how the two relate. Two modes, switchable at run time:
 * - `v1` (default): a v2 absence period's id is its v1 id (the time-off id as a string, or the hour-unit
 *   period's v1 UUID) and an absence type's id its v1 type id: the ASSUMPTION the simulator began with.
 * - `uuid`: every v2 absence period and absence type has a UUID of its own, derived deterministically from
 *   its v1 id but never equal to it, and v2 routes and webhook payloads speak only those: what a gateway
 *   must cope with if Personio's ids differ between versions.
 */

export const V2_ABSENCE_ID_MODES = ['v1', 'uuid'] as const;
export type V2AbsenceIdMode = (typeof V2_ABSENCE_ID_MODES)[number];

export interface V2AbsenceIds {
  mode(): V2AbsenceIdMode;
  setMode(mode: V2AbsenceIdMode): void;
  /** The v2 id of an absence period named by its v1 id (time-off id as a string, or hour-unit UUID). */
  period(v1Id: string): string;
  /** The v1 id of a v2 absence period id; `known` lists every v1 id (read only when the id was not derived yet). */
  periodV1(v2Id: string, known: () => string[]): string | undefined;
  type(v1TypeId: number): string;
  typeV1(v2Id: string, known: () => number[]): number | undefined;
}

export function createV2AbsenceIds(initial: V2AbsenceIdMode = 'v1'): V2AbsenceIds {
  let mode = initial;
  // Derived ids seen so far, to find the v1 record again (the derivation is one-way).
  const periods = new Map<string, string>();
  const types = new Map<string, number>();

  const period = (v1Id: string) => {
    if (mode === 'v1') return v1Id;
    const id = derivedUuid(`absence-period:${v1Id.toLowerCase()}`);
    periods.set(id, v1Id);
    return id;
  };
  const type = (v1TypeId: number) => {
    if (mode === 'v1') return String(v1TypeId);
    const id = derivedUuid(`absence-type:${v1TypeId}`);
    types.set(id, v1TypeId);
    return id;
  };

  return {
    mode: () => mode,
    setMode(next) {
      mode = next;
    },
    period,
    periodV1(v2Id, known) {
      if (mode === 'v1') return v2Id;
      const id = v2Id.toLowerCase();
      if (!periods.has(id)) for (const v1Id of known()) period(v1Id);
      return periods.get(id);
    },
    type,
    typeV1(v2Id, known) {
      if (mode === 'v1') return /^\d{1,10}$/.test(v2Id) ? Number(v2Id) : undefined;
      const id = v2Id.toLowerCase();
      if (!types.has(id)) for (const v1Id of known()) type(v1Id);
      return types.get(id);
    },
  };
}

/** A version-4-shaped UUID from a string (four independent 32-bit FNV-1a hashes, each finished by a mix). */
function derivedUuid(input: string): string {
  const words = [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x85ebca6b].map((offset, lane) => {
    let hash = (offset ^ (lane * 0x27d4eb2f)) >>> 0;
    for (let i = 0; i < input.length; i++) {
      hash ^= input.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    hash ^= hash >>> 16;
    hash = Math.imul(hash, 0x85ebca6b) >>> 0;
    hash ^= hash >>> 13;
    hash = Math.imul(hash, 0xc2b2ae35) >>> 0;
    hash ^= hash >>> 16;
    return hash >>> 0;
  });
  const hex = words.map((word) => word.toString(16).padStart(8, '0')).join('');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
