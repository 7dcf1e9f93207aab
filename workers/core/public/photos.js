// Photos from a phone, made fit for the web in the browser before they are uploaded: turned the
// way the camera held them (EXIF orientation), shrunk to at most 1600 px wide and re-encoded, plus
// the responsive variants published pages offer (480, 800, 1200 and 1600 px wide, WebP).
// A browser takes the narrowest file at least as wide as the photo's screen pixels: 800 covers a
// phone about 400 px wide at 1.75-2x (412 x 1.75 = 721), 1200 one at 3x and a laptop's content column.
// Customer checks every file again (type and size from the bytes, variants against the original).

import { Refusal } from './lib/action.js';

export const WIDTHS = [480, 800, 1200, 1600];
const MAX_BYTES = 1_000_000; // customer's limit per file
const ORIGINAL_QUALITY = [0.85, 0.75, 0.62, 0.5];
// Variants are what visitors download: 0.8 is where WebP stops looking better to the eye (libwebp's
// own default is 0.75) and is a third smaller than 0.85 on a detailed photo.
const VARIANT_QUALITY = [0.8, 0.7, 0.6, 0.5];
const WEB_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'];

// Why a file cannot be used, in words, or '' when it can.
export function refusal(file) {
  if (/hei[cf]/i.test(file.type) || /\.hei[cf]$/i.test(file.name)) {
    return `“${file.name}” is an iPhone HEIC photo, which web browsers cannot show. On the iPhone choose Settings › Camera › Formats › Most Compatible, or share the photo as JPEG, and upload that.`;
  }
  if (!WEB_TYPES.includes(file.type)) return `“${file.name}” is not a photo or picture this editor can use: choose a JPEG, PNG, WebP or GIF file.`;
  if (file.type === 'image/gif' && file.size > MAX_BYTES) return `“${file.name}” is an animation over 1 MB: make it smaller first.`;
  return '';
}

function encode(canvas, type, quality) {
  return new Promise((resolve) => canvas.toBlob(resolve, type, quality));
}

function draw(bitmap, width, height) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, width, height);
  return canvas;
}

// The smallest good-looking file of this type under the limit, or null (the browser cannot write it).
async function fit(canvas, type, qualities = ORIGINAL_QUALITY) {
  for (const quality of qualities) {
    const blob = await encode(canvas, type, quality);
    if (!blob || blob.type !== type) return null;
    if (blob.size <= MAX_BYTES) return blob;
  }
  return null;
}

// → { original: Blob, width, height, variants: [Blob] }
export async function prepare(file) {
  const why = refusal(file);
  if (why) throw new Refusal(why);
  if (file.type === 'image/gif') return { original: file, variants: [] }; // may be animated: kept as it is
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    throw new Refusal(`“${file.name}” could not be opened: the file may be damaged. Try exporting it again.`);
  }
  const width = Math.min(bitmap.width, WIDTHS.at(-1));
  const height = Math.round((bitmap.height * width) / bitmap.width);
  const canvas = draw(bitmap, width, height);
  // Pictures with transparency (logos) stay PNG; photos become JPEG.
  const keepPng = file.type === 'image/png';
  const type = keepPng ? 'image/png' : 'image/jpeg';
  const original = keepPng && file.size <= MAX_BYTES && bitmap.width === width ? file : (await fit(canvas, type)) || (await fit(canvas, 'image/webp'));
  if (!original) throw new Refusal(`“${file.name}” is too detailed to fit in 1 MB even after shrinking it.`);
  // One copy per width: WebP, which every browser that shows the published pages takes (the
  // original stays the <img>'s fallback); a JPEG copy only where this browser cannot write WebP
  // (Safari), so its owners' photos are responsive too. Fewer files: a quicker upload on a phone.
  const variants = [];
  for (const w of WIDTHS.filter((w) => w <= width)) {
    if (w === width && original.type === 'image/webp') continue; // the original is that copy
    const c = w === width ? canvas : draw(bitmap, w, Math.round((height * w) / width));
    const webp = await fit(c, 'image/webp', VARIANT_QUALITY);
    const jpeg = !webp && original.type === 'image/jpeg' && w < width ? await fit(c, 'image/jpeg', VARIANT_QUALITY) : null;
    if (webp || jpeg) variants.push(webp || jpeg);
  }
  bitmap.close?.();
  return { original, width, height, variants };
}

// The site's browser-tab icon from a library picture: cropped square, a 512 px PNG with the sizes
// browsers ask for (180 for iPhones, 192 for Android, 32 for tabs) as WebP variants.
export const ICON_SIZES = [192, 180, 32];
export async function squareIcon(url) {
  const res = await fetch(url, { credentials: 'same-origin' });
  if (!res.ok) throw new Refusal('That picture could not be opened. Try another one.');
  const bitmap = await createImageBitmap(await res.blob(), { imageOrientation: 'from-image' });
  const side = Math.min(bitmap.width, bitmap.height);
  const size = Math.min(512, side);
  const square = (px) => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = px;
    const ctx = canvas.getContext('2d');
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, px, px);
    return canvas;
  };
  const original = await encode(square(size), 'image/png');
  const variants = [];
  for (const px of ICON_SIZES.filter((px) => px < size)) {
    const blob = await encode(square(px), 'image/webp', 0.9);
    if (blob?.type === 'image/webp') variants.push(blob);
  }
  return { original: new File([original], 'site-icon.png', { type: 'image/png' }), variants };
}
