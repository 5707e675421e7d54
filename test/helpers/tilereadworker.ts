/** Worker: opens its own TileFileReader and returns the requested tiles' sums. */
import { parentPort, workerData } from 'node:worker_threads';

import { TileFileReader } from '../../pipeline/tilefile.js';

const { file, indices } = workerData as { file: string; indices: number[] };
const reader = await TileFileReader.open(file);
try {
  const batch = reader.readBatch('train', 'b', indices);
  parentPort!.postMessage(Array.from(batch));
} finally {
  reader.close();
}
