/**
 * The y-websocket wire protocol as Kijkkamer speaks it: the stock `WebsocketProvider` on the
 * client, `server/src/notes/hub.ts` on the server. Every frame is `[messageType: varUint, …]`;
 * the document name is not in the frames but in the URL (`/yjs/<docName>`).
 *
 * Constants only, so the client can import this file without pulling in server code.
 */

/** Path prefix for Yjs WebSocket upgrades; the provider appends `/<docName>`. */
export const YJS_PATH_PREFIX = '/yjs';

/** y-protocols sync: step 1 (state vector), step 2 (missing updates), update. */
export const messageSync = 0;
/** y-protocols awareness update (presence, cursors). */
export const messageAwareness = 1;
/** Reserved by y-websocket for auth messages; the hub never sends or accepts it (auth is at the upgrade). */
export const messageAuth = 2;
/** "Send me every awareness state": the hub answers with all states it knows. */
export const messageQueryAwareness = 3;

/** Largest single frame the hub accepts (close 4413 above it). An update of a few hundred notes fits. */
export const MAX_MESSAGE_BYTES = 256 * 1024;
/** Largest encoded document the hub lets grow (close 4413 for the update that would pass it). */
export const MAX_DOC_BYTES = 8 * 1024 * 1024;
/** Sustained frames per second per connection; typing plus cursor awareness stays well below. */
export const MESSAGES_PER_SECOND = 100;
/** Token-bucket size: room for the connect burst (sync step 1 + 2, awareness) and pastes. */
export const MESSAGE_BURST = 300;

export interface HubLimits {
  maxMessageBytes: number;
  maxDocBytes: number;
  messagesPerSecond: number;
  messageBurst: number;
}

export const DEFAULT_HUB_LIMITS: Readonly<HubLimits> = {
  maxMessageBytes: MAX_MESSAGE_BYTES,
  maxDocBytes: MAX_DOC_BYTES,
  messagesPerSecond: MESSAGES_PER_SECOND,
  messageBurst: MESSAGE_BURST,
};
