// Minimal typings for odex 2 (Hairer's ODEX, used only as a test oracle). The package ships its
// TypeScript source, which does not compile under this project's strict settings; tsconfig.json maps
// "odex" here instead.
export declare class Solver {
  constructor(n: number);
  absoluteTolerance: number;
  relativeTolerance: number;
  maxSteps: number;
  solve(f: (x: number, y: number[]) => number[], x0: number, y0: number[], x1: number): { y: number[]; outcome: number };
}
