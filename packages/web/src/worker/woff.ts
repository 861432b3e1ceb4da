/**
 * WOFF 1.0 to the font it wraps (TrueType/OpenType, "sfnt"), which the preview renderer needs: the font packages
 * on npm ship WOFF, not TTF. Format: https://www.w3.org/TR/WOFF/ (§4 header, §5 table directory, §6 font tables:
 * each table zlib-compressed unless its compressed length equals its original length).
 */

/** Inflates zlib data (`deflate` in the Compression Streams API is the zlib format of RFC 1950). */
async function inflate(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The sfnt font inside WOFF `woff`. Throws `Error` when it is not WOFF 1.0. */
export async function sfntOfWoff(woff: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const view = new DataView(woff.buffer, woff.byteOffset, woff.byteLength);
  if (view.getUint32(0) !== 0x774f4646) throw new Error("not a WOFF 1.0 font");
  const flavor = view.getUint32(4);
  const numTables = view.getUint16(12);
  const tables: { tag: number; checksum: number; data: Uint8Array }[] = [];
  for (let i = 0; i < numTables; i++) {
    const at = 44 + i * 20;
    const offset = view.getUint32(at + 4);
    const compLength = view.getUint32(at + 8);
    const origLength = view.getUint32(at + 12);
    const raw = woff.subarray(offset, offset + compLength);
    tables.push({
      tag: view.getUint32(at),
      checksum: view.getUint32(at + 16),
      data: compLength < origLength ? await inflate(raw) : raw,
    });
  }
  const headerBytes = 12 + 16 * numTables;
  const total = tables.reduce((sum, table) => sum + ((table.data.byteLength + 3) & ~3), headerBytes);
  const out = new Uint8Array(total);
  const sfnt = new DataView(out.buffer);
  // searchRange, entrySelector and rangeShift of the sfnt header (OpenType spec, "Table Directory").
  const power = 2 ** Math.floor(Math.log2(numTables));
  sfnt.setUint32(0, flavor);
  sfnt.setUint16(4, numTables);
  sfnt.setUint16(6, power * 16);
  sfnt.setUint16(8, Math.log2(power));
  sfnt.setUint16(10, numTables * 16 - power * 16);
  let offset = headerBytes;
  tables.forEach((table, i) => {
    const at = 12 + i * 16;
    sfnt.setUint32(at, table.tag);
    sfnt.setUint32(at + 4, table.checksum);
    sfnt.setUint32(at + 8, offset);
    sfnt.setUint32(at + 12, table.data.byteLength);
    out.set(table.data, offset);
    offset += (table.data.byteLength + 3) & ~3;
  });
  return out;
}
