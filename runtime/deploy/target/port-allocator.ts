/**
 * Free 127.0.0.1 ports for instances. The system picks a free port (listen on 0, close); a
 * reservation set keeps this process from handing the same port to two instances in the window
 * between allocation and the instance binding it, and for as long as the instance lives.
 */
import { createServer } from "node:net";
import { NoFreePortError } from "./errors.ts";

export interface PortAllocator {
  /** A port free on 127.0.0.1 right now and reserved until `release`. */
  allocate(): Promise<number>;
  /** Makes the port available again; releasing a port that is not reserved does nothing. */
  release(port: number): void;
  /** The ports reserved now, ascending. */
  reserved(): number[];
}

const MAX_ATTEMPTS = 50;

export interface PortAllocatorOptions {
  /** How many ports to ask the system for before giving up. @default 50 */
  readonly maxAttempts?: number;
  /** Where free ports come from (tests replace it). @default listen on 127.0.0.1:0, close */
  readonly freePort?: () => Promise<number>;
}

export function createPortAllocator(options: PortAllocatorOptions = {}): PortAllocator {
  const reservations = new Set<number>();
  const maxAttempts = options.maxAttempts ?? MAX_ATTEMPTS;
  const freePort = options.freePort ?? systemFreePort;
  return {
    async allocate() {
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        const port = await freePort();
        if (reservations.has(port)) continue;
        reservations.add(port);
        return port;
      }
      throw new NoFreePortError(maxAttempts);
    },
    release(port) {
      reservations.delete(port);
    },
    reserved() {
      return [...reservations].sort((a, b) => a - b);
    },
  };
}

/** The allocator the drivers share: drivers release an instance's port once it is stopped. */
const shared = createPortAllocator();

/** A free 127.0.0.1 port, reserved in this process until `releasePort` (or the instance's stop). */
export function allocatePort(): Promise<number> {
  return shared.allocate();
}

export function releasePort(port: number): void {
  shared.release(port);
}

function systemFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("the system gave no port"))));
    });
  });
}
