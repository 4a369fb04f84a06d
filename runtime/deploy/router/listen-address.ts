import net, { type AddressInfo } from "node:net";
import { InvalidListenError } from "./errors.ts";

/** A parsed `127.0.0.1:PORT`. */
export interface ListenAddress {
  readonly host: "127.0.0.1";
  /** 0 asks the system for a free port. */
  readonly port: number;
}

const LISTEN = /^127\.0\.0\.1:(\d{1,5})$/;

/** Parses `127.0.0.1:PORT`; anything else (other hosts included) throws InvalidListenError. */
export function parseListen(listen: string): ListenAddress {
  const match = LISTEN.exec(listen);
  const port = match ? Number(match[1]) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InvalidListenError(listen);
  return { host: "127.0.0.1", port };
}

export function formatListen(port: number): string {
  return `127.0.0.1:${port}`;
}

/** A port on 127.0.0.1 that was free a moment ago (the tiny race with other binders is accepted). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
