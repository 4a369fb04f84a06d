import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { NoFreePortError, allocatePort, createPortAllocator, releasePort } from "../../../../runtime/deploy/target/index.ts";

describe("port allocator", () => {
  it("hands out free 127.0.0.1 ports that can be bound, never the same one twice while reserved", async () => {
    const allocator = createPortAllocator();
    const ports = await Promise.all(Array.from({ length: 20 }, () => allocator.allocate()));
    expect(new Set(ports).size).toBe(20);
    expect(allocator.reserved()).toEqual([...ports].sort((a, b) => a - b));
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(ports[0], "127.0.0.1", resolve);
    });
    await new Promise((resolve) => server.close(resolve));
    allocator.release(ports[0]!);
    allocator.release(12345); // not reserved: nothing happens
    expect(allocator.reserved()).toHaveLength(19);
  });

  it("skips ports it has reserved, and gives up after maxAttempts", async () => {
    const offers = [5000, 5000, 5000, 5001];
    const allocator = createPortAllocator({ freePort: async () => offers.shift()!, maxAttempts: 3 });
    expect(await allocator.allocate()).toBe(5000);
    expect(await allocator.allocate()).toBe(5001);
    const stuck = createPortAllocator({ freePort: async () => 5000, maxAttempts: 3 });
    await stuck.allocate();
    await expect(stuck.allocate()).rejects.toThrow(NoFreePortError);
    await expect(stuck.allocate()).rejects.toThrow(/No free 127.0.0.1 port after 3 attempts/);
    stuck.release(5000);
    expect(await stuck.allocate()).toBe(5000);
  });

  it("shares one reservation set through allocatePort / releasePort", async () => {
    const a = await allocatePort();
    const b = await allocatePort();
    expect(a).not.toBe(b);
    releasePort(a);
    releasePort(b);
  });
});
