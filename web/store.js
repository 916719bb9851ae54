// The browser's storage of runs (IndexedDB): the run on screen, saved every few seconds so a reload or a crashed tab
// loses at most those seconds, and the last runs, kept to be reopened, downloaded or compared. No DOM here.
//
// Three object stores: `runs` (a run's summary: settings, dataset, losses, names, times; small, listed often),
// `checkpoints` (the checkpoint file's bytes, by the run's key; large, read only to reopen or download) and
// `datasets` (a user's file, by the sha256 of its documents, so a kept run can be reopened on its own data; the
// built-in names are not stored). `meta` holds which run is on screen.

const DB_NAME = 'microgpt';
const DB_VERSION = 1;

/** The runs kept: the newest, beyond the one on screen. */
export const KEEP_RUNS = 20;

/**
 * @typedef {{key: string, config: import('./protocol.js').Config, dataset: import('./protocol.js').Dataset,
 *            step: number, steps: number, seconds: number, losses: Float64Array, names: import('./protocol.js').Name[],
 *            caption: string, created: number, updated: number, finished: boolean, numParams: number,
 *            fileName: string, code?: string[]}} RunRecord  `code`: the modules it ran edited (none, or absent in
 *          a record kept before the Code panel: the package as installed)
 */

/**
 * A user's file as stored for the runs trained on it: `sha256`, the digest of its documents (Dataset's).
 * @typedef {{sha256: string, name: string, bytes: ArrayBuffer}} StoredDataset
 * @typedef {ReturnType<typeof wrap>} Requests  an object store's requests, as promises
 */

export class StorageError extends Error {}

export class Store {
  /** @returns {Promise<Store>} */
  static async open() {
    const db = await request(indexedDB.open(DB_NAME, DB_VERSION), (open) => {
      open.onupgradeneeded = () => {
        const db = open.result;
        db.createObjectStore('runs', { keyPath: 'key' });
        db.createObjectStore('checkpoints');
        db.createObjectStore('datasets', { keyPath: 'sha256' });
        db.createObjectStore('meta');
      };
    });
    return new Store(db);
  }

  /** @param {IDBDatabase} db */
  constructor(db) {
    this.db = db;
  }

  /**
   * Save a run, its checkpoint and its dataset's bytes (null for the built-in names; written once), and if
   * `current`, make it the run to restore. When the storage is full, the oldest kept runs make room for it, never
   * the other way round.
   * @param {RunRecord} record @param {ArrayBuffer} checkpoint @param {ArrayBuffer | null} datasetBytes
   * @param {boolean} current
   * @returns {Promise<number>} how many old runs were dropped to make room
   */
  async save(record, checkpoint, datasetBytes, current) {
    for (let dropped = 0; ; dropped++) {
      try {
        await this.transaction(['runs', 'checkpoints', 'datasets', 'meta'], 'readwrite', async (stores) => {
          stores.runs.put(record);
          stores.checkpoints.put(checkpoint, record.key);
          if (current) stores.meta.put(record.key, 'current');
          const { sha256, name } = record.dataset;
          if (datasetBytes && !await stores.datasets.count(sha256)) stores.datasets.put({ sha256, name, bytes: datasetBytes });
        });
        if (dropped === 0) await this.prune(record.key);
        return dropped;
      } catch (error) {
        if (!isQuotaError(error)) throw new StorageError(`the browser refused to save the run (${error?.message ?? error})`);
        const victim = (await this.leastRecent()).find((run) => run.key !== record.key);
        if (!victim) throw new StorageError("the browser's storage for this site is full, even without the kept runs");
        await this.delete(victim.key);
      }
    }
  }

  /** The key of the run on screen when the page was last left, if any. @returns {Promise<string | undefined>} */
  current() {
    return this.transaction(['meta'], 'readonly', (stores) => stores.meta.get('current'));
  }

  /** Forget which run is on screen (Reset): it stays among the kept runs. */
  clearCurrent() {
    return this.transaction(['meta'], 'readwrite', (stores) => stores.meta.delete('current'));
  }

  /** @returns {Promise<RunRecord[]>} the kept runs, the newest first (by when they started, so they keep their places) */
  async list() {
    const runs = await this.transaction(['runs'], 'readonly', (stores) => stores.runs.getAll());
    return runs.filter(isRecord).sort((a, b) => b.created - a.created);
  }

  /** @returns {Promise<RunRecord[]>} the kept runs, those used longest ago first: the first to make room */
  async leastRecent() {
    return (await this.list()).sort((a, b) => a.updated - b.updated);
  }

  /**
   * @param {string} key
   * @returns {Promise<{record: RunRecord, checkpoint: ArrayBuffer, dataset: StoredDataset | null} | null>}
   */
  async get(key) {
    const [record, checkpoint] = await this.transaction(['runs', 'checkpoints'], 'readonly',
      (stores) => Promise.all([stores.runs.get(key), stores.checkpoints.get(key)]));
    if (!isRecord(record) || !(checkpoint instanceof ArrayBuffer)) return null;
    const dataset = record.dataset.builtin ? null
      : await this.transaction(['datasets'], 'readonly', (stores) => stores.datasets.get(record.dataset.sha256));
    return { record, checkpoint, dataset: dataset ?? null };
  }

  /**
   * A user's dataset by the digest of its documents, if stored.
   * @param {string} sha256 @returns {Promise<StoredDataset | undefined>}
   */
  dataset(sha256) {
    return this.transaction(['datasets'], 'readonly', (stores) => stores.datasets.get(sha256));
  }

  /** Delete a kept run, and its dataset's bytes when no other run uses them. @param {string} key */
  async delete(key) {
    const record = await this.transaction(['runs'], 'readonly', (stores) => stores.runs.get(key));
    const shared = record && (await this.list()).some((run) => run.key !== key && run.dataset.sha256 === record.dataset.sha256);
    await this.transaction(['runs', 'checkpoints', 'datasets', 'meta'], 'readwrite', async (stores) => {
      stores.runs.delete(key);
      stores.checkpoints.delete(key);
      if (record && !record.dataset.builtin && !shared) stores.datasets.delete(record.dataset.sha256);
      if (await stores.meta.get('current') === key) stores.meta.delete('current');
    });
  }

  /** Keep the KEEP_RUNS runs used last besides `keep`. @param {string} keep */
  async prune(keep) {
    const runs = (await this.leastRecent()).filter((run) => run.key !== keep);
    const old = runs.slice(0, Math.max(0, runs.length - KEEP_RUNS));
    for (const run of old) await this.delete(run.key);
  }

  /**
   * Run `body` in one transaction over the named stores, each wrapped so its requests are promises; resolves with
   * `body`'s result once the transaction has committed (so a write is on disk, not just queued).
   * @template T
   * @param {string[]} names @param {IDBTransactionMode} mode
   * @param {(stores: Record<string, Requests>) => T | Promise<T>} body
   * @returns {Promise<T>}
   */
  transaction(names, mode, body) {
    return new Promise((resolve, reject) => {
      let tx;
      try {
        tx = this.db.transaction(names, mode);
      } catch (error) {
        reject(error);
        return;
      }
      const stores = Object.fromEntries(names.map((name) => [name, wrap(tx.objectStore(name))]));
      /** @type {T} */
      let result;
      Promise.resolve(body(stores)).then((value) => { result = value; }, (error) => {
        reject(error);
        try { tx.abort(); } catch { /* already finished */ }
      });
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new DOMException('the transaction was aborted', 'AbortError'));
    });
  }
}

/**
 * A stored run as this page writes them: anything else (another version's, a damaged one) is left out.
 * @param {any} run @returns {run is RunRecord}
 */
function isRecord(run) {
  return typeof run?.key === 'string' && typeof run.config === 'object' && run.config !== null
    && typeof run.dataset?.sha256 === 'string' && typeof run.dataset.name === 'string'
    && run.losses instanceof Float64Array && Array.isArray(run.names) && Number.isInteger(run.step)
    && Number.isInteger(run.steps) && typeof run.updated === 'number' && typeof run.created === 'number'
    && typeof run.fileName === 'string';
}

/** An object store whose methods return promises of their requests' results. @param {IDBObjectStore} store */
function wrap(store) {
  /** @template T @param {IDBRequest<T>} req */
  const promise = (req) => request(req);
  return {
    /** @param {IDBValidKey} key @returns {Promise<any>} */
    get: (key) => promise(store.get(key)),
    /** @returns {Promise<any[]>} */
    getAll: () => promise(store.getAll()),
    /** @param {any} value @param {IDBValidKey} [key] */
    put: (value, key) => promise(key === undefined ? store.put(value) : store.put(value, key)),
    /** @param {IDBValidKey} key */
    delete: (key) => promise(store.delete(key)),
    /** @param {IDBValidKey} key */
    count: (key) => promise(store.count(key)),
  };
}

/**
 * A request's result, or its error, as a promise; `setup` sees the request first.
 * @template {IDBRequest} R @param {R} req @param {(req: R) => void} [setup] @returns {Promise<R['result']>}
 */
function request(req, setup) {
  return new Promise((resolve, reject) => {
    setup?.(req);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error); // and the transaction aborts: none of its writes is kept
  });
}

/** @param {any} error */
function isQuotaError(error) {
  return error?.name === 'QuotaExceededError' || /quota/i.test(String(error?.message));
}

/** Ask the browser not to evict the kept runs under storage pressure; true if it agreed. */
export async function persist() {
  try {
    return Boolean(await navigator.storage?.persist?.());
  } catch {
    return false;
  }
}
