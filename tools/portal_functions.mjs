// Every function of the portal's JavaScript, and how many lines it spans (issue 25: no function over
// 80 lines; tests/core/test_portal_modules.py holds the portal to it):
//
//   tools/node tools/portal_functions.mjs [FOLDER]     (default workers/core/public)
//
// Prints JSON, longest first: [{file, name, line, lines}], `file` relative to FOLDER, `name` the
// function's own name or the variable, property or method it is bound to ("(anonymous)" else).
// Parsed with acorn (the parser of webpack, rollup and eslint), never run.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'acorn';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function jsFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return jsFiles(file);
    return entry.name.endsWith('.js') ? [file] : [];
  });
}

// The name a function is known by: its own, or what it is assigned or attached to.
function boundName(parent) {
  if (parent?.type === 'VariableDeclarator') return parent.id?.name;
  if (parent?.type === 'Property' || parent?.type === 'MethodDefinition') return parent.key?.name ?? parent.key?.value;
  if (parent?.type === 'AssignmentExpression') return parent.left?.property?.name ?? parent.left?.name;
  return undefined;
}

export function functionsOf(source, file) {
  const found = [];
  const visit = (node, parent) => {
    if (Array.isArray(node)) return node.forEach((child) => visit(child, parent));
    if (!node || typeof node.type !== 'string') return;
    if (node.type.endsWith('FunctionExpression') || node.type === 'FunctionDeclaration') {
      const lines = node.loc.end.line - node.loc.start.line + 1;
      found.push({ file, name: node.id?.name ?? boundName(parent) ?? '(anonymous)', line: node.loc.start.line, lines });
    }
    for (const [key, value] of Object.entries(node)) {
      if (key !== 'loc' && value && typeof value === 'object') visit(value, node);
    }
  };
  visit(parse(source, { ecmaVersion: 'latest', sourceType: 'module', locations: true }), null);
  return found;
}

const folder = path.resolve(process.argv[2] ?? path.join(REPO, 'workers', 'core', 'public'));
const all = jsFiles(folder).flatMap((file) => functionsOf(fs.readFileSync(file, 'utf8'), path.relative(folder, file)));
all.sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file) || a.line - b.line);
process.stdout.write(`${JSON.stringify(all, null, 1)}\n`);
