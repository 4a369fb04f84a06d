/**
 * Finds where a chunked body (RFC 9112 section 7.1) ends in a stream of bytes, without copying
 * or decoding it: the router passes chunked responses through as they are and only needs to know
 * when the message is over. Chunk extensions and trailers are skipped; a malformed size line is
 * an error.
 */
export class ChunkedScanner {
  private state: State = State.Size;
  private sizeDigits = 0;
  private sawDigit = false;
  private remaining = 0;
  /** Bytes in the current trailer line (0: the line is empty so far). */
  private lineLength = 0;

  /**
   * Scans `chunk` from `offset`. Returns the index just past the end of the body when it ends in
   * `chunk`, -1 when more bytes are needed, or -2 when the framing is malformed.
   */
  scan(chunk: Uint8Array, offset = 0): number {
    let i = offset;
    const length = chunk.length;
    while (i < length) {
      const byte = chunk[i] as number;
      switch (this.state) {
        case State.Size: {
          const digit = hexValue(byte);
          if (digit >= 0) {
            // Leading zeros are allowed (llhttp takes them); 12 significant digits are 256 TiB.
            if (this.remaining > 0 && ++this.sizeDigits > 11) return -2;
            this.sawDigit = true;
            this.remaining = this.remaining * 16 + digit;
          } else if (!this.sawDigit) return -2;
          else if (byte === CR) this.state = State.SizeLf;
          else if (byte === SEMICOLON) this.state = State.Extension;
          else if (byte === SPACE || byte === TAB) this.state = State.SizeSpace;
          else return -2;
          i++;
          break;
        }
        case State.SizeSpace:
          // chunk-ext = *( BWS ";" ... ): after the size, only blanks and then `;` or the line end.
          if (byte === SEMICOLON) this.state = State.Extension;
          else if (byte === CR) this.state = State.SizeLf;
          else if (byte !== SPACE && byte !== TAB) return -2;
          i++;
          break;
        case State.Extension:
          if (byte === CR) this.state = State.SizeLf;
          else if (byte === LF) return -2;
          i++;
          break;
        case State.SizeLf:
          if (byte !== LF) return -2;
          this.sizeDigits = 0;
          this.sawDigit = false;
          this.state = this.remaining === 0 ? State.Trailer : State.Data;
          this.lineLength = 0;
          i++;
          break;
        case State.Data: {
          const take = Math.min(this.remaining, length - i);
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = State.DataCr;
          break;
        }
        case State.DataCr:
          if (byte !== CR) return -2;
          this.state = State.DataLf;
          i++;
          break;
        case State.DataLf:
          if (byte !== LF) return -2;
          this.state = State.Size;
          i++;
          break;
        case State.Trailer:
          // Trailer lines until an empty one; `lineLength` counts the bytes of the current line.
          if (byte === CR) this.state = State.TrailerLf;
          else if (byte === LF) return -2;
          else this.lineLength++;
          i++;
          break;
        case State.TrailerLf:
          if (byte !== LF) return -2;
          i++;
          if (this.lineLength === 0) {
            this.state = State.Done;
            return i;
          }
          this.lineLength = 0;
          this.state = State.Trailer;
          break;
        case State.Done:
          return i;
      }
    }
    return this.state === State.Done ? i : -1;
  }
}

/** Scanner states (plain numbers: a switch on small integers is the cheapest dispatch). */
const State = {
  Size: 0,
  Extension: 1,
  SizeLf: 2,
  Data: 3,
  DataCr: 4,
  DataLf: 5,
  Trailer: 6,
  TrailerLf: 7,
  Done: 8,
  SizeSpace: 9,
} as const;
type State = (typeof State)[keyof typeof State];

const CR = 0x0d;
const LF = 0x0a;
const SEMICOLON = 0x3b;
const SPACE = 0x20;
const TAB = 0x09;

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  return -1;
}
