/**
 * Drives the pure engine: one observation at a time (queued, never re-entered), the actions of each
 * transition handed to `perform` in order, and one timer re-armed at `wakeAt` to deliver ticks.
 */
import type { Deployment } from "../../plan/schema.ts";
import { advanceDeployment, startDeployment, type DeployAction, type DeployObservation, type DeployState } from "../strategy/index.ts";

export interface StrategyRunnerOptions {
  readonly deployment: Deployment;
  readonly hasStable: boolean;
  readonly now: () => number;
  /** Called for each action, in order. Must not throw; async work reports back through `observe`. */
  perform(action: DeployAction): void;
}

export class StrategyRunner {
  private state: DeployState;
  private readonly queue: DeployObservation[] = [];
  private dispatching = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: StrategyRunnerOptions) {
    const result = startDeployment(options.deployment, { hasStable: options.hasStable, now: options.now() });
    this.state = result.state;
    this.apply(result.actions, result.wakeAt);
  }

  get current(): DeployState {
    return this.state;
  }

  observe(observation: DeployObservation): void {
    if (this.stopped) return;
    this.queue.push(observation);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let next = this.queue.shift(); next !== undefined && !this.stopped; next = this.queue.shift()) {
        const result = advanceDeployment(this.options.deployment, this.state, next, this.options.now());
        this.state = result.state;
        this.apply(result.actions, result.wakeAt);
      }
    } finally {
      this.dispatching = false;
    }
  }

  /** No more ticks or observations (settled, or torn down). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.queue.length = 0;
  }

  private apply(actions: readonly DeployAction[], wakeAt: number | null): void {
    for (const action of actions) this.options.perform(action);
    clearTimeout(this.timer);
    this.timer = undefined;
    if (wakeAt !== null && !this.stopped && !this.state.settled) {
      this.timer = setTimeout(() => this.observe({ type: "tick" }), Math.max(0, wakeAt - this.options.now()));
    }
  }
}
