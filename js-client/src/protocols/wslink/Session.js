// The wslink session: hello, RPC calls, publish routing and attachments over one logical
// connection. It survives reconnects (new hello, new clientID, same subscriptions).

import { encode, decode } from '../../codec/msgpack.js';
import { chunk, Unchunker } from '../../codec/chunking.js';
import { encodeV1, V1Receiver } from '../../codec/wslinkV1.js';
import { VERSION, HELLO_ID, DEFAULT_MAX_MSG_SIZE, ID_PATTERN, TOPIC_PATTERN, clientError } from './constants.js';
import { defer } from '../../util/events.js';

/**
 * Creates the session object returned by `WebsocketConnection.connect()`.
 * @param {object} options
 * @param {object} options.link  {send(data): boolean, isOpen: boolean, close(): Promise<void>, isConnecting(): boolean}
 * @param {string} options.secret
 * @param {1|2} options.wireVersion
 * @param {number} options.callTimeout  ms, 0 for none
 * @param {object} options.env  timers
 * @param {Console} options.logger
 * @param {object} options.listener  {helloSucceeded(reply), helloFailed(error)}
 * @returns {object} the public session API
 */
export function createSession({ link, secret, wireVersion, callTimeout, env, logger, listener }) {
  let clientID = null;
  let maxMsgSize = DEFAULT_MAX_MSG_SIZE;
  let msgCount = 0;
  let attachmentCount = 0;
  const inFlight = new Map();
  /** @type {Map<string, Function[]>} */
  const subscriptions = new Map();
  let waitingSubscriptions = [];
  /** Filters per callback (`{keys}`), for the server-side announcements. */
  const callbackKeys = new Map();
  /** Whether the server takes `wslink.subscribe` announcements (its hello said so). */
  let announcing = false;
  let announceCount = 0;
  /** What was last announced per topic: null (everything) or the sorted key list. */
  const announced = new Map();
  const unchunker = new Unchunker();
  const v1 = new V1Receiver();
  const attachments = new Map();

  function transmit(envelope) {
    if (wireVersion === 1) {
      for (const message of encodeV1(envelope, attachments)) link.send(message);
      return;
    }
    for (const message of chunk(encode(envelope), maxMsgSize)) link.send(message);
  }

  function settle(id, action, value) {
    const entry = inFlight.get(id);
    if (!entry) return false;
    inFlight.delete(id);
    if (entry.timer !== null) env.clearTimeout(entry.timer);
    entry.deferred[action](value);
    return true;
  }

  const session = {
    /**
     * Calls a server method. Rejects with the server's error object, or `{code: -32099}` when
     * the connection is not open, closes before the answer, the call times out or an argument
     * cannot be encoded.
     */
    call(method, args = [], kwargs = {}, options = {}) {
      if (!clientID || !link.isOpen) {
        return Promise.reject(clientError(`RPC call ${method} unsuccessful: connection not open`));
      }
      const id = `rpc:${clientID}:${msgCount}`;
      const deferred = defer();
      try {
        transmit({ wslink: VERSION, id, method, args: args ?? [], kwargs: kwargs ?? {} });
      } catch (error) {
        return Promise.reject(clientError(`RPC call ${method} unsuccessful: ${error.message}`));
      }
      msgCount += 1;
      const timeout = options.timeout ?? callTimeout;
      const timer = timeout > 0
        ? env.setTimeout(() => settle(id, 'reject', clientError(`RPC call ${method} timed out after ${timeout} ms`)), timeout)
        : null;
      inFlight.set(id, { deferred, method, timer });
      return deferred.promise;
    },

    /**
     * Registers `callback` for `topic`; it receives `[result]` for each publish. With
     * `options.keys` (a Switchboard server only), dictionary results carry only those keys;
     * callbacks on one topic share the union of their keys (all keys when any has none).
     */
    subscribe(topic, callback, options = {}) {
      const deferred = defer();
      const registration = { topic, callback, promise: deferred.promise, unsubscribe: () => session.unsubscribe({ topic, callback }) };
      if (typeof topic !== 'string' || !TOPIC_PATTERN.test(topic)) {
        logger.warn(`wslink: topic ${JSON.stringify(topic)} is not dot-separated words; publishes on it cannot be routed`);
        deferred.reject(clientError(`Subscribe call ${topic} unsuccessful: invalid topic`));
        return registration;
      }
      if (Array.isArray(options?.keys)) callbackKeys.set(callback, options.keys.map(String));
      if (clientID) {
        addSubscription(topic, callback);
        announce(topic);
        deferred.resolve({ topic, callback });
      } else if (link.isConnecting()) {
        // Better than the original (which dropped it): hold it until the hello completes.
        addSubscription(topic, callback);
        waitingSubscriptions.push({ topic, callback, deferred });
      } else {
        deferred.reject(clientError(`Subscribe call ${topic} unsuccessful: connection not open`));
      }
      return registration;
    },

    /** Removes a subscription made with `subscribe`. */
    unsubscribe({ topic, callback }) {
      const callbacks = subscriptions.get(topic);
      if (!callbacks) return Promise.reject(clientError(`Unsubscribe call ${topic} unsuccessful: not subscribed`));
      const index = callbacks.indexOf(callback);
      if (index < 0) return Promise.reject(clientError(`Unsubscribe call ${topic} unsuccessful: callback not found`));
      callbacks.splice(index, 1);
      if (callbacks.length === 0) subscriptions.delete(topic);
      announce(topic);
      return Promise.resolve();
    },

    /** Closes the connection for good (no reconnect); resolves once closed. */
    close() {
      return link.close();
    },

    /**
     * 2.x: returns the payload (an ArrayBuffer as a DataView), as the original. 1.x: stores the
     * bytes and returns the `wslink_binN` key to place in call arguments.
     */
    addAttachment(payload) {
      if (wireVersion !== 1) return payload instanceof ArrayBuffer ? new DataView(payload) : payload;
      attachmentCount += 1;
      const key = `wslink_bin${attachmentCount}`;
      const bytes = payload instanceof ArrayBuffer ? new Uint8Array(payload)
        : new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
      attachments.set(key, bytes);
      return key;
    },

    /** Sends the hello (called by the connection when a socket opens; not for user code). */
    onconnect() {
      maxMsgSize = DEFAULT_MAX_MSG_SIZE;
      try {
        transmit({ wslink: VERSION, id: HELLO_ID, method: 'wslink.hello', args: [{ secret }], kwargs: {} });
      } catch (error) {
        listener.helloFailed(clientError(`hello could not be sent: ${error.message}`));
      }
    },

    /** Handles one WebSocket message event (or its data). */
    onmessage(event) {
      const data = event && typeof event === 'object' && 'data' in event ? event.data : event;
      receive(typeof data === 'string' ? data : data instanceof Uint8Array ? data : new Uint8Array(data));
    },

    /** The clientID of the current hello, or null. */
    getClientID: () => clientID,
    /** The chunk size limit in force. */
    getMaxMsgSize: () => maxMsgSize,
  };

  function addSubscription(topic, callback) {
    if (!subscriptions.has(topic)) subscriptions.set(topic, []);
    subscriptions.get(topic).push(callback);
  }

  /** The filter `topic`'s callbacks add up to: null (everything) or sorted keys. */
  function wantedKeys(topic) {
    const keys = new Set();
    for (const callback of subscriptions.get(topic) ?? []) {
      const own = callbackKeys.get(callback);
      if (!own) return null;
      for (const key of own) keys.add(key);
    }
    return [...keys].sort();
  }

  /** Tells a server that takes announcements what `topic` now needs (nothing when unchanged). */
  function announce(topic) {
    if (!announcing || !clientID || !link.isOpen) return;
    const listening = subscriptions.has(topic);
    const keys = listening ? wantedKeys(topic) : undefined;
    const previous = announced.get(topic);
    if (!listening && previous === undefined) return;
    if (listening && previous !== undefined && JSON.stringify(previous) === JSON.stringify(keys)) return;
    const id = `system:${clientID}:${announceCount}`;
    announceCount += 1;
    const args = !listening ? [topic] : keys === null ? [topic] : [topic, { keys }];
    try {
      transmit({ wslink: VERSION, id, method: listening ? 'wslink.subscribe' : 'wslink.unsubscribe', args, kwargs: {} });
    } catch (error) {
      logger.error(`wslink: announcing ${topic} failed`, error.message);
      return;
    }
    if (listening) announced.set(topic, keys);
    else announced.delete(topic);
  }

  function receive(data) {
    let message;
    try {
      if (wireVersion === 1) {
        if (typeof data === 'string') message = v1.pushText(data);
        else if (!v1.pushBinary(data)) logger.warn('wslink: binary message without an attachment header dropped');
      } else if (typeof data === 'string') {
        logger.warn('wslink: text message ignored (2.x sends binary only)');
      } else {
        const payload = unchunker.push(data);
        if (payload) message = decodePayload(payload);
      }
    } catch (error) {
      logger.error('wslink: Malformed message:', error.message);
      return;
    }
    if (message) route(message);
  }

  function decodePayload(payload) {
    try {
      return decode(payload);
    } catch (error) {
      // Better than the original (whose RPC then hung): find the id and reject that call.
      let id;
      try { id = decode(payload, { lenientKeys: true })?.id; } catch { id = undefined; }
      logger.error('wslink: Malformed message:', error.message);
      if (typeof id === 'string') settle(id, 'reject', clientError(`Malformed reply to ${id}: ${error.message}`));
      return null;
    }
  }

  function route(message) {
    const id = message.id;
    const match = typeof id === 'string' ? ID_PATTERN.exec(id) : null;
    if (!match) {
      if (message.error) logger.error('wslink: Server error:', message.error);
      else logger.warn(`wslink: message with unroutable id ${JSON.stringify(id)} dropped`);
      return;
    }
    const [, kind, topic] = match;
    if (kind === 'system') {
      if (id !== HELLO_ID) {
        // Answers to our own announcements: only a refusal is worth a word.
        if (message.error) logger.error(`wslink: subscription announcement ${id} refused:`, message.error);
        else if (message.result === undefined) logger.error(`wslink: Unknown system message ${id}`);
        return;
      }
      if (message.error) { listener.helloFailed(message.error); return; }
      const reply = message.result ?? {};
      clientID = reply.clientID;
      msgCount = 0;
      if (Number.isInteger(reply.maxMsgSize) && reply.maxMsgSize > 0) maxMsgSize = reply.maxMsgSize;
      // A new hello is a new server session: announce every subscription again (Python
      // wslink lists no capabilities, so nothing is sent to it).
      announcing = Array.isArray(reply.capabilities) && reply.capabilities.includes('subscriptions');
      announced.clear();
      announceCount = 0;
      for (const topic of subscriptions.keys()) announce(topic);
      const waiting = waitingSubscriptions;
      waitingSubscriptions = [];
      for (const { topic: t, callback, deferred } of waiting) deferred.resolve({ topic: t, callback });
      listener.helloSucceeded(reply);
      return;
    }
    if (kind === 'publish') {
      for (const callback of [...(subscriptions.get(topic) ?? [])]) {
        try {
          callback([message.result]);
        } catch (error) {
          logger.error(`wslink: subscription callback for ${topic} threw`, error);
        }
      }
      return;
    }
    if (message.error !== undefined) {
      if (!settle(id, 'reject', message.error)) logger.error('wslink: Server error:', message.error);
    } else if (!settle(id, 'resolve', message.result)) {
      logger.warn(`wslink: result for unknown call ${id} dropped`);
    }
  }

  /**
   * The socket ended: reject every in-flight call (the original left them hanging), forget
   * partial messages and the clientID; subscriptions stay for the next hello.
   * @param {{code: number, reason?: string}} info
   * @param {boolean} final  no reconnect follows
   */
  session.connectionLost = (info, final) => {
    clientID = null;
    unchunker.reset();
    v1.reset();
    for (const [id, entry] of [...inFlight]) {
      settle(id, 'reject', clientError(`RPC call ${entry.method} unsuccessful: connection closed (${info.code})`));
    }
    if (final) {
      for (const { topic, callback, deferred } of waitingSubscriptions) {
        session.unsubscribe({ topic, callback }).catch(() => {});
        deferred.reject(clientError(`Subscribe call ${topic} unsuccessful: connection closed (${info.code})`));
      }
      waitingSubscriptions = [];
    }
  };

  return session;
}
