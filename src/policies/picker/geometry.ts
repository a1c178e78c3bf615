/**
 * Piece and block geometry of a torrent: every piece is `pieceLength` bytes but the last; every
 * block is `blockSize` bytes (BEP 3: 16 KiB) but the last of each piece. Blocks are numbered by a
 * single key `piece * blocksPerPiece + block` where a flat number is handier than a pair.
 */
import { TorrentkitError } from '../../util/errors.js';
import { BLOCK_SIZE, type BlockRequest } from './types.js';

export class PieceGeometry {
  readonly pieceCount: number;
  readonly blocksPerPiece: number;

  constructor(
    readonly pieceLength: number,
    readonly totalLength: number,
    readonly blockSize = BLOCK_SIZE,
  ) {
    const ok = (n: number) => Number.isInteger(n) && n >= 0;
    if (!ok(pieceLength) || pieceLength === 0 || !ok(totalLength) || !ok(blockSize) || blockSize === 0) {
      throw new TorrentkitError('BT_ERR_PICKER_OPTIONS', `bad geometry: piece ${pieceLength}, total ${totalLength}, block ${blockSize}`);
    }
    this.pieceCount = Math.ceil(totalLength / pieceLength);
    this.blocksPerPiece = Math.ceil(pieceLength / blockSize);
  }

  pieceSize(piece: number): number {
    return piece === this.pieceCount - 1 ? this.totalLength - piece * this.pieceLength : this.pieceLength;
  }

  blocksIn(piece: number): number {
    return Math.ceil(this.pieceSize(piece) / this.blockSize);
  }

  blockLength(piece: number, block: number): number {
    return Math.min(this.blockSize, this.pieceSize(piece) - block * this.blockSize);
  }

  key(piece: number, block: number): number {
    return piece * this.blocksPerPiece + block;
  }

  requestOfKey(k: number): BlockRequest {
    return this.request(Math.floor(k / this.blocksPerPiece), k % this.blocksPerPiece);
  }

  request(piece: number, block: number): BlockRequest {
    return { piece, block, begin: block * this.blockSize, length: this.blockLength(piece, block) };
  }

  checkPiece(piece: number): void {
    if (!Number.isInteger(piece) || piece < 0 || piece >= this.pieceCount) {
      throw new TorrentkitError('BT_ERR_PIECE_INDEX', `piece ${piece} outside 0..${this.pieceCount - 1}`);
    }
  }

  checkBlock(piece: number, block: number): void {
    this.checkPiece(piece);
    if (!Number.isInteger(block) || block < 0 || block >= this.blocksIn(piece)) {
      throw new TorrentkitError('BT_ERR_BLOCK_INDEX', `block ${block} outside piece ${piece}`);
    }
  }
}
