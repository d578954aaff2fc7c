import Database from 'better-sqlite3';

/** Thrown when the simulator's database cannot be opened, is locked by another process or is not a simulator database; the message names the file. */
export class SimStoreError extends Error {
  override name = 'SimStoreError';
}

const SCHEMA_VERSION = 1;

/**
 * One kind of entity, held in memory (a Map, the hot path) and written through to SQLite.
 *
 * Any entity read with `get` or written with `set` is marked changed and saved by the next
 * `Store.flush()`, so code that mutates what it got never has to remember to save it. Read
 * with `peek` or iterate only to look.
 */
export class Table<T> {
  private rows = new Map<string, T>();

  constructor(
    private readonly store: Store,
    readonly kind: string,
  ) {}

  /** The entity, marked changed (the caller may mutate it). */
  get(id: string): T | undefined {
    const row = this.rows.get(id);
    if (row !== undefined) this.store.touch(this, id);
    return row;
  }

  /** The entity, for reading only. */
  peek(id: string): T | undefined {
    return this.rows.get(id);
  }

  has(id: string): boolean {
    return this.rows.has(id);
  }

  set(id: string, row: T): void {
    this.rows.set(id, row);
    this.store.touch(this, id);
  }

  delete(id: string): boolean {
    const had = this.rows.delete(id);
    if (had) this.store.touch(this, id);
    return had;
  }

  /** Every entity in insertion order, for reading only. */
  values(): IterableIterator<T> {
    return this.rows.values();
  }

  get size(): number {
    return this.rows.size;
  }

  /** @internal Fills the table from the database without marking anything changed. */
  load(id: string, row: T): void {
    this.rows.set(id, row);
  }

  /** @internal Empties memory only; `Store.clear()` empties the database. */
  forget(): void {
    this.rows.clear();
  }
}

interface Statements {
  upsert: Database.Statement<[string, string, number, string]>;
  remove: Database.Statement<[string, string]>;
  putMeta: Database.Statement<[string, string]>;
}

/**
 * The simulator's durable state: a SQLite file (or `:memory:`) in WAL mode, locked for this
 * process alone, with every table's changed rows written in one transaction per `flush()`.
 */
export class Store {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly stmts: Statements;
  private readonly writeAll: (
    dirty: Map<Table<unknown>, Set<string>>,
    dirtyMeta: Set<string>,
  ) => void;
  private readonly tables = new Map<string, Table<unknown>>();
  private dirty = new Map<Table<unknown>, Set<string>>();
  private meta = new Map<string, string>();
  private dirtyMeta = new Set<string>();
  private ord = 0;
  private flushQueued = false;
  private closed = false;

  constructor(path: string) {
    this.path = path;
    const name = path === ':memory:' ? 'the in-memory database' : `database file ${path}`;
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { timeout: 250 });
      db.pragma('locking_mode = EXCLUSIVE');
      if (path !== ':memory:') db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // The first write takes the exclusive lock and keeps it until close().
      db.exec(`BEGIN IMMEDIATE;
        CREATE TABLE IF NOT EXISTS sim_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS sim_entities (
          ord INTEGER PRIMARY KEY, kind TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,
          UNIQUE (kind, id));
        INSERT INTO sim_meta (key, value) VALUES ('schema', '${SCHEMA_VERSION}')
          ON CONFLICT (key) DO NOTHING;
        COMMIT;`);
    } catch (err) {
      db?.close();
      const e = err as { code?: string; message?: string };
      if (e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_LOCKED') {
        throw new SimStoreError(
          `provider-sim: ${name} is locked by another process (is another simulator using it?): ${e.message}`,
        );
      }
      throw new SimStoreError(`provider-sim: cannot open ${name}: ${e.message ?? String(err)}`);
    }
    this.db = db;
    for (const row of db.prepare('SELECT key, value FROM sim_meta').all() as {
      key: string;
      value: string;
    }[]) {
      this.meta.set(row.key, row.value);
    }
    if (this.meta.get('schema') !== String(SCHEMA_VERSION)) {
      db.close();
      throw new SimStoreError(
        `provider-sim: ${name} has schema version ${this.meta.get('schema')}, this simulator reads version ${SCHEMA_VERSION}`,
      );
    }
    this.ord =
      (db.prepare('SELECT COALESCE(MAX(ord), 0) AS m FROM sim_entities').get() as { m: number })
        .m ?? 0;
    this.stmts = {
      upsert: db.prepare(
        'INSERT INTO sim_entities (kind, id, ord, data) VALUES (?, ?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data',
      ),
      remove: db.prepare('DELETE FROM sim_entities WHERE kind = ? AND id = ?'),
      putMeta: db.prepare(
        'INSERT INTO sim_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
    };
    const { upsert, remove, putMeta } = this.stmts;
    this.writeAll = db.transaction(
      (dirty: Map<Table<unknown>, Set<string>>, dirtyMeta: Set<string>) => {
        for (const [table, ids] of dirty) {
          for (const id of ids) {
            const row = table.peek(id);
            if (row === undefined) remove.run(table.kind, id);
            else upsert.run(table.kind, id, ++this.ord, JSON.stringify(row));
          }
        }
        for (const key of dirtyMeta) putMeta.run(key, this.meta.get(key) ?? '');
      },
    );
  }

  /** A table of one entity kind; call before `load()`. */
  table<T>(kind: string): Table<T> {
    if (this.tables.has(kind)) throw new Error(`table ${kind} exists`);
    const t = new Table<T>(this, kind);
    this.tables.set(kind, t as Table<unknown>);
    return t;
  }

  /** Fills every table from the database, in the order the rows were first written. */
  load(): void {
    const rows = this.db.prepare('SELECT kind, id, data FROM sim_entities ORDER BY ord').all() as {
      kind: string;
      id: string;
      data: string;
    }[];
    for (const row of rows) this.tables.get(row.kind)?.load(row.id, JSON.parse(row.data));
  }

  getMeta(key: string): string | undefined {
    return this.meta.get(key);
  }

  /** Runs first in every flush (the simulator saves its clock there). */
  beforeFlush: (() => void) | undefined;

  setMeta(key: string, value: string, queue = true): void {
    if (this.meta.get(key) === value) return;
    this.meta.set(key, value);
    this.dirtyMeta.add(key);
    if (queue) this.queueFlush();
  }

  /** @internal Marks an entity changed. */
  touch(table: Table<unknown>, id: string): void {
    let ids = this.dirty.get(table);
    if (!ids) {
      ids = new Set();
      this.dirty.set(table, ids);
    }
    ids.add(id);
    this.queueFlush();
  }

  /** Anything changed and not yet written? */
  get pending(): boolean {
    return this.dirty.size > 0 || this.dirtyMeta.size > 0;
  }

  /** A safety net: changes made outside a request (timers, library calls) are written at the end of the current tick. */
  private queueFlush(): void {
    if (this.flushQueued || this.closed) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      if (!this.closed) this.flush();
    });
  }

  /** Writes every changed entity (and changed metadata) in one SQLite transaction. */
  flush(): void {
    if (this.closed) return;
    this.beforeFlush?.();
    if (!this.pending) return;
    const dirty = this.dirty;
    const dirtyMeta = this.dirtyMeta;
    this.dirty = new Map();
    this.dirtyMeta = new Set();
    try {
      this.writeAll(dirty, dirtyMeta);
    } catch (err) {
      // Keep what could not be written so a later flush retries it.
      for (const [table, ids] of dirty) for (const id of ids) this.touch(table, id);
      for (const key of dirtyMeta) this.dirtyMeta.add(key);
      throw new SimStoreError(`provider-sim: cannot write ${this.path}: ${(err as Error).message}`);
    }
  }

  /** Empties every table, in memory and in the database (metadata such as the clock stays). */
  clear(): void {
    for (const t of this.tables.values()) t.forget();
    this.dirty = new Map();
    this.db.exec('DELETE FROM sim_entities');
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
