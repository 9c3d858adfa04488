export { default as WebsocketConnection } from './protocols/wslink/WebsocketConnection.js';
export { default as SmartConnect } from './protocols/wslink/SmartConnect.js';
export { default as CrossComm, CrossCommError } from './protocols/crosscomm/CrossCommClient.js';
export { default as Siyi, SiyiError } from './protocols/siyi/SiyiClient.js';
export { encode, decode, ExtData } from './codec/msgpack.js';
export { CodecError, CodecErrorCode } from './codec/errors.js';
export { makePolicy, delayBeforeAttempt, ReconnectBackoff, shouldReconnect } from './transport/backoff.js';
