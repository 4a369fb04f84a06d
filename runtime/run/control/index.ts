/** Control of running deployments from another terminal: request files polled by the loop, and waiting.json. */
export { controlDir, readWaiting, recordWaiting, takeControlRequests, waitingPath, writeControlRequest } from "./files.ts";
export { ControlError, sendControlRequest, type SendControlOptions, type SendControlResult } from "./send.ts";
export type { ControlRequest, WaitingEntry, WaitingFile } from "./schema.ts";
