import { createHash } from 'node:crypto';

/**
 * A fixed, single-threaded workload shaped like the gateway's own per-call work (JSON parse and
 * stringify of a Personio-sized page, hashing, string building), timed at the start of a run. Its time says
 * how fast this box (and its current load) runs the kind of code the figures measure, so runs on different
 * boxes can be compared, and the few targets that are times (start-up) are scaled by it.
 */

/**
 * The calibration on the box BENCHMARKS.md's targets were set on (2 vCPU AMD EPYC VM, Node 20, quiet):
 * a run whose calibration is slower than this has its time targets stretched by the same factor.
 */
export const REFERENCE_CALIBRATION_MS = 37;

export interface Calibration {
  /** Fastest round of the workload, ms: the box's speed, least disturbed by other work. */
  ms: number;
  /** Median round, ms: with `ms`, how much other work got in the way. */
  medianMs: number;
  /** `ms / REFERENCE_CALIBRATION_MS`: above 1 is a slower (or busier) box than the reference. */
  factor: number;
  samples: number[];
}

function page(seed: number): unknown {
  const employees = [];
  for (let index = 0; index < 100; index++) {
    const attributes: Record<string, unknown> = {};
    for (let field = 0; field < 40; field++) {
      attributes[`field_${field}`] = {
        label: `Field ${field}`,
        value: field % 3 === 0 ? seed * 1000 + index : `value ${seed}-${index}-${field} Zoë`,
        type: 'standard',
        universal_id: field % 2 ? `uid_${field}` : null,
      };
    }
    employees.push({ type: 'Employee', attributes });
  }
  return { success: true, metadata: { total_elements: 10_000 }, data: employees };
}

/** One round: what the figure's per-call work looks like, repeated a fixed number of times. */
function round(): number {
  let checksum = 0;
  for (let iteration = 0; iteration < 8; iteration++) {
    const text = JSON.stringify(page(iteration));
    const parsed = JSON.parse(text) as { data: { attributes: Record<string, { value: unknown }> }[] };
    const mapped = parsed.data.map((employee) => {
      const out: Record<string, unknown> = {};
      for (const [key, attribute] of Object.entries(employee.attributes)) out[key] = attribute.value;
      return out;
    });
    checksum += createHash('sha256').update(JSON.stringify(mapped)).digest()[0]!;
  }
  return checksum;
}

/** Runs the workload `rounds` times after a warm-up (the JIT settles over the first rounds). */
export function calibrate(rounds = 9): Calibration {
  for (let index = 0; index < 4; index++) round();
  const samples: number[] = [];
  for (let index = 0; index < rounds; index++) {
    const started = performance.now();
    round();
    samples.push(performance.now() - started);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const ms = sorted[0]!;
  return {
    ms,
    medianMs: sorted[Math.floor(sorted.length / 2)]!,
    factor: ms / REFERENCE_CALIBRATION_MS,
    samples,
  };
}

/** A time target on this box: the reference target, stretched (never shrunk) by a slower calibration. */
export function scaledTarget(targetMs: number, calibration: Calibration | undefined): number {
  if (!calibration) return targetMs;
  return targetMs * Math.max(1, calibration.factor);
}
