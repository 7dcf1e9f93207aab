// A photo into a site's library: made fit for the web in the browser (photos.js), then the
// original and its responsive variants uploaded one by one, saying where it is meanwhile.

import { send } from './lib/api.js';
import { enc } from './lib/format.js';
import { prepare } from './photos.js';

export async function uploadPhoto(siteId, file, progress = () => {}, made = null) {
  progress(`Preparing “${file.name}”…`);
  made ||= await prepare(file);
  progress(`Uploading “${file.name}”…`);
  const base = `/sites/${enc(siteId)}/assets`;
  const { data } = await send('POST', `${base}?name=${enc(file.name)}`, undefined, { raw: made.original });
  for (const [i, variant] of made.variants.entries()) {
    progress(`Making “${file.name}” fit every screen (${i + 1} of ${made.variants.length})…`);
    await send('POST', `${base}/${data.sha256}/variants`, undefined, { raw: variant });
  }
  return data;
}
