/**
 * Zip format constants (PKWARE APPNOTE.TXT 6.3), one definition for the package writer (src/package/zip.ts) and the
 * verifier's layout check (src/verify/zip-layout.ts), so both speak of the same records.
 */

/** Local file header signature (APPNOTE 4.3.7). */
export const LOCAL_HEADER = 0x04034b50;
/** Central directory file header signature (APPNOTE 4.3.12). */
export const CENTRAL_HEADER = 0x02014b50;
/** Data descriptor signature; optional before the descriptor's fields (APPNOTE 4.3.9.3). */
export const DATA_DESCRIPTOR = 0x08074b50;
/** End of central directory record signature (APPNOTE 4.3.16). */
export const EOCD = 0x06054b50;
/** Zip64 end of central directory record signature (APPNOTE 4.3.14). */
export const ZIP64_EOCD = 0x06064b50;
/** Zip64 end of central directory locator signature (APPNOTE 4.3.15). */
export const ZIP64_LOCATOR = 0x07064b50;
/** General purpose flag bit 3: CRC-32 and sizes are in a data descriptor after the data, zero in the local header. */
export const FLAG_DESCRIPTOR = 1 << 3;
/** General purpose flag bit 11: name and comment are UTF-8. */
export const FLAG_UTF8 = 1 << 11;
/** Header id of the Zip64 extended information extra field (APPNOTE 4.5.3). */
export const ZIP64_EXTRA = 0x0001;
/** Header id of the Info-ZIP Unicode Path extra field: a second name that some extractors write instead of the header's. */
export const UNICODE_PATH_EXTRA = 0x7075;
