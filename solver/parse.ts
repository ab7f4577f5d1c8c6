// Validates untrusted JSON into a Problem. Every rejection names the field and the rule, so a person
// who sends a bad problem can fix it without reading the solver (house rule 7).
import type { CircuitSpec, PerSlot, Problem, TargetSpec, VehicleSpec } from "./types.js";

export class ProblemError extends Error {
  readonly code = "SOLVER_BAD_PROBLEM";
  /** Retrying the same input cannot help. */
  readonly retryable = false;
  constructor(
    readonly field: string,
    readonly rule: string,
  ) {
    super(`${field}: ${rule}`);
    this.name = "ProblemError";
  }
}

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function isNum(v: Json): v is number {
  return typeof v === "number" && Number.isFinite(v);
}
function isInt(v: Json): v is number {
  return isNum(v) && Number.isInteger(v);
}

function perSlot(v: Json, field: string, T: number, required: boolean): PerSlot | undefined {
  const rule = `must be a non-negative number or an array of ${T} numbers`;
  if (v === undefined) {
    if (required) throw new ProblemError(field, rule);
    return undefined;
  }
  if (isNum(v)) {
    if (v < 0) throw new ProblemError(field, rule);
    return v;
  }
  if (Array.isArray(v) && v.length === T && v.every((x) => isNum(x) && x >= 0)) return v.slice() as number[];
  throw new ProblemError(field, rule);
}

function str(v: Json, field: string): string {
  if (typeof v === "string" && v.length > 0) return v;
  if (isInt(v)) return String(v);
  throw new ProblemError(field, "must be a non-empty string");
}

function parseCircuit(c: Json, i: number, T: number): CircuitSpec {
  const f = `circuits[${i}]`;
  if (!isObject(c)) throw new ProblemError(f, "must be an object");
  const out: CircuitSpec = { id: str(c.id, `${f}.id`) };
  if (c.parent !== undefined && c.parent !== null) out.parent = str(c.parent, `${f}.parent`);
  const lim = perSlot(c.limitKw, `${f}.limitKw`, T, false);
  if (lim !== undefined) out.limitKw = lim;
  if (c.phaseLimitA !== undefined) {
    if (!isNum(c.phaseLimitA) || c.phaseLimitA < 0) throw new ProblemError(`${f}.phaseLimitA`, "must be a non-negative number");
    out.phaseLimitA = c.phaseLimitA;
  }
  if (c.voltage !== undefined) {
    if (!isNum(c.voltage) || c.voltage <= 0) throw new ProblemError(`${f}.voltage`, "must be a positive number");
    out.voltage = c.voltage;
  }
  return out;
}

function parseTarget(t: Json, f: string): TargetSpec {
  if (!isObject(t)) throw new ProblemError(f, "must be an object");
  if (!isInt(t.bySlot)) throw new ProblemError(`${f}.bySlot`, "must be an integer");
  if (!isNum(t.energyKwh) || t.energyKwh < 0) throw new ProblemError(`${f}.energyKwh`, "must be a non-negative number");
  return { bySlot: t.bySlot, energyKwh: t.energyKwh };
}

function parseVehicle(v: Json, i: number, T: number, circuitIds: Set<string>): VehicleSpec {
  const f = `vehicles[${i}]`;
  if (!isObject(v)) throw new ProblemError(f, "must be an object");
  const id = str(v.id, `${f}.id`);
  // Slot indices may lie outside 0..T (a departure already past, a car that arrives later than the
  // horizon): the solver clips them, so only integrality is checked here.
  if (!isInt(v.availableFrom)) throw new ProblemError(`${f}.availableFrom`, "must be an integer slot index");
  if (!isInt(v.departure)) throw new ProblemError(`${f}.departure`, "must be an integer slot index");
  if (!isNum(v.energyKwh) || v.energyKwh < 0) throw new ProblemError(`${f}.energyKwh`, "must be a non-negative number");
  const maxKw = perSlot(v.maxKw, `${f}.maxKw`, T, true) as PerSlot;
  const out: VehicleSpec = { id, availableFrom: v.availableFrom, departure: v.departure, energyKwh: v.energyKwh, maxKw };
  if (v.minKw !== undefined) out.minKw = perSlot(v.minKw, `${f}.minKw`, T, true) as PerSlot;
  if (v.circuit !== undefined && v.circuit !== null) {
    const c = str(v.circuit, `${f}.circuit`);
    if (!circuitIds.has(c)) throw new ProblemError(`${f}.circuit`, `must name a circuit in circuits (no circuit "${c}")`);
    out.circuit = c;
  }
  if (v.phases !== undefined) {
    if (v.phases !== 1 && v.phases !== 3) throw new ProblemError(`${f}.phases`, "must be 1 or 3");
    out.phases = v.phases;
  }
  if (v.phase !== undefined) {
    const p = v.phase === "L1" ? 1 : v.phase === "L2" ? 2 : v.phase === "L3" ? 3 : v.phase;
    if (p !== 1 && p !== 2 && p !== 3) throw new ProblemError(`${f}.phase`, 'must be 1, 2, 3 or "L1", "L2", "L3"');
    out.phase = p;
  }
  if (v.targets !== undefined) {
    if (!Array.isArray(v.targets)) throw new ProblemError(`${f}.targets`, "must be an array");
    out.targets = v.targets.map((t, k) => parseTarget(t, `${f}.targets[${k}]`));
  }
  if (v.priority !== undefined) {
    if (!isNum(v.priority)) throw new ProblemError(`${f}.priority`, "must be a number");
    out.priority = v.priority;
  }
  return out;
}

/** Checks the circuits form a tree under the site: known parents, unique ids, no cycles. */
function checkTree(circuits: CircuitSpec[]): void {
  const byId = new Map<string, CircuitSpec>();
  circuits.forEach((c, i) => {
    if (byId.has(c.id) || c.id === "site") throw new ProblemError(`circuits[${i}].id`, `must be unique and not "site" ("${c.id}")`);
    byId.set(c.id, c);
  });
  circuits.forEach((c, i) => {
    if (c.parent !== undefined && c.parent !== null && c.parent !== "site" && !byId.has(c.parent)) {
      throw new ProblemError(`circuits[${i}].parent`, `must name another circuit or "site" (no circuit "${c.parent}")`);
    }
    const seen = new Set<string>([c.id]);
    let p = c.parent;
    while (p !== undefined && p !== null && p !== "site") {
      if (seen.has(p)) throw new ProblemError(`circuits[${i}].parent`, "must not form a cycle");
      seen.add(p);
      p = byId.get(p)?.parent;
    }
  });
}

/** Parses and validates a problem; throws ProblemError naming the first bad field. */
export function parseProblem(json: unknown): Problem {
  if (!isObject(json)) throw new ProblemError("(problem)", "must be a JSON object");
  const sm = json.slotMinutes;
  if (sm !== 15 && sm !== 30 && sm !== 60) throw new ProblemError("slotMinutes", "must be 15, 30 or 60");
  if (!Array.isArray(json.prices)) throw new ProblemError("prices", "must be an array of numbers");
  json.prices.forEach((p, t) => {
    if (!isNum(p)) throw new ProblemError(`prices[${t}]`, "must be a finite number");
  });
  const prices = json.prices.slice() as number[];
  const T = prices.length;
  const problem: Problem = { slotMinutes: sm, prices, vehicles: [] };
  const site = perSlot(json.siteLimitKw, "siteLimitKw", T, false);
  if (site !== undefined) problem.siteLimitKw = site;
  if (json.circuits !== undefined) {
    if (!Array.isArray(json.circuits)) throw new ProblemError("circuits", "must be an array");
    problem.circuits = json.circuits.map((c, i) => parseCircuit(c, i, T));
    checkTree(problem.circuits);
  }
  const ids = new Set((problem.circuits ?? []).map((c) => c.id));
  if (!Array.isArray(json.vehicles)) throw new ProblemError("vehicles", "must be an array");
  const seen = new Set<string>();
  problem.vehicles = json.vehicles.map((v, i) => {
    const out = parseVehicle(v, i, T, ids);
    if (seen.has(out.id)) throw new ProblemError(`vehicles[${i}].id`, `must be unique ("${out.id}" repeats)`);
    seen.add(out.id);
    return out;
  });
  if (json.tieBreak !== undefined) {
    if (json.tieBreak !== "earlier" && json.tieBreak !== "later") throw new ProblemError("tieBreak", 'must be "earlier" or "later"');
    problem.tieBreak = json.tieBreak;
  }
  if (json.shortfall !== undefined) {
    if (json.shortfall !== "fewest-cars" && json.shortfall !== "spread" && json.shortfall !== "even") {
      throw new ProblemError("shortfall", 'must be "fewest-cars", "spread" or "even"');
    }
    problem.shortfall = json.shortfall;
  }
  if (json.demandCharge !== undefined) {
    const dc = json.demandCharge;
    if (!isObject(dc)) throw new ProblemError("demandCharge", "must be an object { perKw, peakSoFarKw }");
    if (!isNum(dc.perKw) || dc.perKw < 0) throw new ProblemError("demandCharge.perKw", "must be a non-negative number");
    const so = dc.peakSoFarKw ?? 0;
    if (!isNum(so) || so < 0) throw new ProblemError("demandCharge.peakSoFarKw", "must be a non-negative number");
    problem.demandCharge = { perKw: dc.perKw, peakSoFarKw: so };
    for (const key of ["baseKw", "slotFraction"] as const) {
      const arr = dc[key];
      if (arr === undefined) continue;
      const ok = Array.isArray(arr) && arr.length === T && arr.every((x) => isNum(x) && x >= 0 && (key === "baseKw" || (x > 0 && x <= 1)));
      if (!ok) throw new ProblemError(`demandCharge.${key}`, key === "baseKw" ? `must be an array of ${T} non-negative numbers` : `must be an array of ${T} numbers in (0, 1]`);
      problem.demandCharge[key] = (arr as number[]).slice();
    }
  }
  return problem;
}
