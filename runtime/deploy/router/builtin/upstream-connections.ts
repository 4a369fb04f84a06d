import net from "node:net";

/** What an exchange wants to hear from the upstream connection it holds. */
export interface UpstreamListener {
  onData(chunk: Buffer): void;
  /** The connection ended or failed (refused, reset, closed by the instance). */
  onClosed(error: NodeJS.ErrnoException | undefined): void;
  /** Nothing came from the instance for `timeoutMs`. */
  onTimeout(): void;
  onDrain(): void;
}

/**
 * One keep-alive TCP connection to an instance, for the fast path. Its socket listeners are set
 * once and pass events to the exchange holding it, so a request costs no listener churn. An idle
 * connection that hears anything (data, a close, its idle timeout) is dropped from the pool.
 */
export class UpstreamConnection {
  readonly socket: net.Socket;
  listener: UpstreamListener | null = null;
  /** It carried a request before: a reset before any response may be the instance closing an idle connection. */
  reused = false;
  private closed = false;

  constructor(
    port: number,
    timeoutMs: number,
    private readonly pool: UpstreamConnections,
  ) {
    const socket = net.connect({ host: "127.0.0.1", port, noDelay: true });
    socket.setTimeout(timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      if (this.listener !== null) this.listener.onData(chunk);
      else socket.destroy();
    });
    socket.on("drain", () => this.listener?.onDrain());
    socket.on("timeout", () => {
      if (this.listener !== null) this.listener.onTimeout();
      else socket.destroy();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => this.close(error));
    socket.on("end", () => this.close(undefined));
    socket.on("close", () => this.close(undefined));
    this.socket = socket;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Closes the connection (idempotent) and tells its holder, if any. */
  close(error: NodeJS.ErrnoException | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    const listener = this.listener;
    this.listener = null;
    this.pool.closed(this);
    listener?.onClosed(error);
  }
}

/** Connection limits per instance. */
export interface UpstreamConnectionLimits {
  /** Connections open at once (busy and idle); more requests wait for one. */
  readonly max: number;
  /** Idle connections kept; more are closed when released. */
  readonly maxIdle: number;
  readonly timeoutMs: number;
}

/** The fast path's keep-alive connections to one instance, reused last-in first-out. */
export class UpstreamConnections {
  private readonly idle: UpstreamConnection[] = [];
  private readonly waiting: ((connection: UpstreamConnection) => void)[] = [];
  private open = 0;
  private destroyed = false;

  constructor(
    private readonly port: number,
    private readonly limits: UpstreamConnectionLimits,
  ) {}

  /** Hands a connection to `take`: an idle one, a new one, or the next one released. */
  acquire(take: (connection: UpstreamConnection) => void): void {
    const idle = this.idle.pop();
    if (idle !== undefined) return take(idle);
    if (this.open < this.limits.max || this.destroyed) return take(this.connect());
    this.waiting.push(take);
  }

  /** Gives back a connection whose exchange is over; `reusable` when its framing ended cleanly. */
  release(connection: UpstreamConnection, reusable: boolean): void {
    connection.listener = null;
    if (!reusable || connection.isClosed || this.destroyed) return connection.close(undefined);
    connection.reused = true;
    const waiter = this.waiting.shift();
    if (waiter !== undefined) return waiter(connection);
    if (this.idle.length >= this.limits.maxIdle) return connection.close(undefined);
    this.idle.push(connection);
  }

  /** Closes the idle connections now and every busy one when it is released. */
  destroy(): void {
    this.destroyed = true;
    for (const connection of this.idle.splice(0)) connection.close(undefined);
  }

  /** Called by a connection once it closed. */
  closed(connection: UpstreamConnection): void {
    this.open--;
    const index = this.idle.indexOf(connection);
    if (index >= 0) this.idle.splice(index, 1);
    const waiter = this.waiting.shift();
    if (waiter !== undefined) waiter(this.connect());
  }

  private connect(): UpstreamConnection {
    this.open++;
    return new UpstreamConnection(this.port, this.limits.timeoutMs, this);
  }
}
