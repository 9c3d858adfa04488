// The event half of @kitware/wslink's object model: `onName(cb)` returns `{unsubscribe}`;
// firing calls every callback asynchronously (setTimeout 0, like the original), with `this`
// bound to the public API, logging instead of throwing callback exceptions.

/**
 * Adds `on<Name>(cb)` and an internal `fire<Name>(...args)` for each name to `publicAPI`.
 * @param {object} publicAPI  the object that gets `on<Name>`
 * @param {object} internal   the object that gets `fire<Name>`
 * @param {string[]} names    event names, e.g. ['ConnectionReady']
 * @returns {() => void} a function that removes every callback (for destroy)
 */
export function addEvents(publicAPI, internal, names) {
  const all = [];
  for (const name of names) {
    const callbacks = new Map();
    let next = 0;
    all.push(callbacks);
    publicAPI[`on${name}`] = (callback) => {
      if (typeof callback !== 'function') throw new TypeError(`on${name} expects a function`);
      const key = next++;
      callbacks.set(key, callback);
      return Object.freeze({ unsubscribe: () => { callbacks.delete(key); } });
    };
    internal[`fire${name}`] = (...args) => {
      for (const callback of [...callbacks.values()]) {
        setTimeout(() => {
          try {
            callback.apply(publicAPI, args);
          } catch (error) {
            console.error(`Error in ${name} callback:`, error);
          }
        }, 0);
      }
    };
  }
  return () => { for (const callbacks of all) callbacks.clear(); };
}

/**
 * A promise with its resolve/reject exposed (the original's `defer()`).
 * @template T
 * @returns {{promise: Promise<T>, resolve: (v: T) => void, reject: (e: unknown) => void}}
 */
export function defer() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}
