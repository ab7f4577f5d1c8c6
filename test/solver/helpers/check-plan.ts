// One plan checker for every solver test: limits, windows, minimum power, accounting, targets.
// Returns the list of violations; a valid plan gives [].
import type { PerSlot, Plan, Problem } from "../../../solver/index.js";

const at = (v: PerSlot | undefined, t: number, dflt: number): number =>
  v === undefined ? dflt : typeof v === "number" ? v : (v[t] ?? dflt);

export function checkPlan(problem: Problem, plan: Plan, tol = 1e-6): string[] {
  const errs: string[] = [];
  const T = problem.prices.length;
  const h = problem.slotMinutes / 60;
  if (plan.vehicles.length !== problem.vehicles.length) errs.push("plan has a different number of vehicles");
  const circuitById = new Map((problem.circuits ?? []).map((c) => [c.id, c]));
  const ancestors = (c: string | undefined): string[] => {
    const out: string[] = [];
    for (let cur = c; cur !== undefined && cur !== "site"; cur = circuitById.get(cur)?.parent ?? undefined) out.push(cur);
    return out;
  };
  const siteLoad = new Float64Array(T);
  const circLoad = new Map<string, Float64Array>();
  const phaseLoad = new Map<string, Float64Array[]>();
  for (const c of problem.circuits ?? []) {
    circLoad.set(c.id, new Float64Array(T));
    phaseLoad.set(c.id, [new Float64Array(T), new Float64Array(T), new Float64Array(T)]);
  }
  let total = 0;
  let anyShort = false;
  problem.vehicles.forEach((v, i) => {
    const p = plan.vehicles[i];
    if (!p || p.id !== v.id) return void errs.push(`vehicle ${i}: id mismatch`);
    if (p.powerKw.length !== T) errs.push(`${v.id}: powerKw has ${p.powerKw.length} entries, want ${T}`);
    let energy = 0;
    let cost = 0;
    const anc = ancestors(v.circuit);
    // A car planned at its minimum in the slot where it becomes full draws unusedKwh less there and stops:
    // that slot must be its last charging slot, planned at the minimum, and the car must get all it asked.
    const unused = p.unusedKwh ?? 0;
    let lastSlot = -1;
    for (let t = 0; t < T; t++) if ((p.powerKw[t] ?? 0) > tol) lastSlot = t;
    if (unused < 0) errs.push(`${v.id}: negative unusedKwh ${unused}`);
    if (unused > tol) {
      const minL = at(v.minKw, lastSlot, 0);
      if (lastSlot < 0 || Math.abs((p.powerKw[lastSlot] ?? 0) - minL) > tol) errs.push(`${v.id}: unusedKwh ${unused} but its last slot is not planned at the minimum`);
      if (unused >= minL * h - tol) errs.push(`${v.id}: unusedKwh ${unused} is a whole slot at the minimum or more`);
    }
    for (let t = 0; t < T; t++) {
      const kw = p.powerKw[t] ?? 0;
      const inWindow = t >= v.availableFrom && t < v.departure;
      if (kw < -tol) errs.push(`${v.id}[${t}]: negative power ${kw}`);
      if (!inWindow && Math.abs(kw) > tol) errs.push(`${v.id}[${t}]: charges outside its window`);
      if (kw > at(v.maxKw, t, 0) + tol) errs.push(`${v.id}[${t}]: ${kw} kW above maxKw`);
      if (v.minKw !== undefined && kw > tol && kw < at(v.minKw, t, 0) - tol) errs.push(`${v.id}[${t}]: ${kw} kW below minKw ${at(v.minKw, t, 0)}`);
      energy += kw * h;
      cost += kw * h * (problem.prices[t] as number);
      siteLoad[t]! += kw;
      for (const c of anc) {
        circLoad.get(c)![t]! += kw;
        const ph = phaseLoad.get(c)!;
        if ((v.phases ?? 3) === 3) for (const arr of ph) arr[t]! += kw / 3;
        else ph[(v.phase ?? 1) - 1]![t]! += kw;
      }
    }
    if (unused > tol) {
      energy -= unused;
      cost -= unused * (problem.prices[lastSlot] as number);
      if (energy < v.energyKwh - tol) errs.push(`${v.id}: unusedKwh ${unused} while the car does not get all it asked`);
    }
    if (energy > v.energyKwh + tol) errs.push(`${v.id}: delivers ${energy} kWh, more than the ${v.energyKwh} asked`);
    if (Math.abs(energy - p.energyKwh) > tol * Math.max(1, energy)) errs.push(`${v.id}: energyKwh ${p.energyKwh} != sum ${energy}`);
    const short = Math.max(0, v.energyKwh - energy);
    if (Math.abs(short - p.shortfallKwh) > tol * Math.max(1, v.energyKwh)) errs.push(`${v.id}: shortfallKwh ${p.shortfallKwh} != ${short}`);
    if (short > 1e-6) anyShort = true;
    if (Math.abs(cost - p.cost) > tol * Math.max(1, Math.abs(cost))) errs.push(`${v.id}: cost ${p.cost} != ${cost}`);
    total += cost;
    (v.targets ?? []).forEach((tg, k) => {
      let got = 0;
      for (let t = 0; t < Math.min(T, tg.bySlot); t++) got += (p.powerKw[t] ?? 0) * h;
      if (lastSlot >= 0 && lastSlot < tg.bySlot) got -= unused;
      const miss = Math.max(0, Math.min(tg.energyKwh, v.energyKwh) - got);
      const rep = p.targets?.[k];
      if (!rep || Math.abs(rep.shortfallKwh - miss) > 1e-5) errs.push(`${v.id}: target ${k} shortfall reported ${rep?.shortfallKwh}, is ${miss}`);
      if (miss > 1e-6) anyShort = true;
    });
  });
  for (let t = 0; t < T; t++) {
    const lim = at(problem.siteLimitKw, t, Infinity);
    if (siteLoad[t]! > lim + tol * Math.max(1, lim)) errs.push(`site[${t}]: ${siteLoad[t]} kW above ${lim}`);
    for (const c of problem.circuits ?? []) {
      const l = at(c.limitKw, t, Infinity);
      const load = circLoad.get(c.id)![t]!;
      if (load > l + tol * Math.max(1, l)) errs.push(`${c.id}[${t}]: ${load} kW above ${l}`);
      if (c.phaseLimitA !== undefined) {
        const volt = c.voltage ?? 230;
        phaseLoad.get(c.id)!.forEach((arr, ph) => {
          const amps = (arr[t]! * 1000) / volt;
          if (amps > c.phaseLimitA! + 1e-4) errs.push(`${c.id}[${t}] L${ph + 1}: ${amps} A above ${c.phaseLimitA}`);
        });
      }
    }
  }
  if (Math.abs(total - plan.totalCost) > tol * Math.max(1, Math.abs(total))) errs.push(`totalCost ${plan.totalCost} != ${total}`);
  if (plan.status !== (anyShort ? "shortfall" : "optimal")) errs.push(`status ${plan.status} but shortfall=${anyShort}`);
  return errs;
}
