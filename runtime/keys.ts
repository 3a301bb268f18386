/**
 * Encryption keys, per municipality: what the payload codec (runtime/encryption.ts) encrypts and decrypts with, and
 * what the codec server (the Web UI's decoder) checks a key belongs to.
 *
 * Every payload a trajectory writes to Temporal is encrypted with the *current* key of its municipality; the key's id
 * travels in the payload's metadata, so every key a municipality ever had still decrypts what it encrypted (rotation
 * re-encrypts nothing: a new current key encrypts from then on). A key id is `<municipality>/<label>`, e.g.
 * `GM0363/2026-12`: the municipality a payload belongs to is readable without decrypting it.
 *
 * {@link KeyRing} is the interface: a municipality that keeps its keys in its own key management (an HSM, a KMS, a
 * vault) implements it; {@link staticKeyRing} serves keys from configuration (environment or a key file).
 */

/** A municipality code as the CBS writes it: `GM` and four digits. */
export const MUNICIPALITY = /^GM\d{4}$/;

/** An AES-256 key and its id. */
export interface DataKey {
  /** `<municipality>/<label>`, e.g. `GM0363/2026-12`. Never secret; stored beside every payload it encrypted. */
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

/**
 * Where the codec gets its keys. Implementations may be remote (asynchronous) and should cache: the codec asks for
 * every payload.
 */
export interface KeyRing {
  /** The key new payloads of `municipality` are encrypted with; undefined when it has none (encoding then fails). */
  current(municipality: string): Promise<DataKey | undefined>;
  /** The key with this id, current or retired; undefined when unknown (decoding then fails). */
  byId(id: string): Promise<DataKey | undefined>;
}

/** The municipality a key id belongs to (`GM0363/2026-12` → `GM0363`), or undefined for a malformed id. */
export function municipalityOfKey(id: string): string | undefined {
  const [municipality, label, ...rest] = id.split('/');
  return municipality && MUNICIPALITY.test(municipality) && label && !rest.length ? municipality : undefined;
}

/** The key ring configuration: per municipality, its keys by label (base64, 32 bytes) and which label is current. */
export interface KeyRingConfig {
  municipalities: Record<string, { current: string; keys: Record<string, string> }>;
}

/** A key ring over keys given in configuration (see {@link KeyRingConfig}); checked when built. */
export function staticKeyRing(config: KeyRingConfig): KeyRing {
  const byId = new Map<string, DataKey>();
  const current = new Map<string, DataKey>();
  for (const [municipality, { current: label, keys }] of Object.entries(config.municipalities)) {
    if (!MUNICIPALITY.test(municipality)) throw new Error(`keys: ${municipality} is not a municipality code (GM and four digits)`);
    for (const [name, base64] of Object.entries(keys)) {
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new Error(`keys: ${municipality}/${name}: a label is 1–64 letters, digits, '.', '_' or '-'`);
      const key = Buffer.from(base64, 'base64');
      if (key.length !== 32) throw new Error(`keys: ${municipality}/${name} is ${key.length} bytes, not 32 (AES-256; base64 of 32 random bytes)`);
      byId.set(`${municipality}/${name}`, { id: `${municipality}/${name}`, key });
    }
    const chosen = byId.get(`${municipality}/${label}`);
    if (!chosen) throw new Error(`keys: ${municipality}: the current key "${label}" is not among its keys`);
    current.set(municipality, chosen);
  }
  return {
    current: async (municipality) => current.get(municipality),
    byId: async (id) => byId.get(id),
  };
}
