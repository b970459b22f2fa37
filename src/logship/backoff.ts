// Reconnect delays: exponential, capped, with "equal jitter" (half fixed, half random), so a
// fleet of hosts that lost the log server together does not reconnect in lockstep.

export interface ReconnectBackoff {
  initialMs: number;
  maxMs: number;
}

export function reconnectDelay(attempt: number, options: ReconnectBackoff, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
