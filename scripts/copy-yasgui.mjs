// Copy YASGUI's built files from node_modules into the package's static folder, so the query
// page serves them itself. Run by `npm install` / `npm ci` (postinstall).
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "node_modules", "@triply", "yasgui", "build");
const target = join(root, "src", "idmgraph", "web", "static", "vendor", "yasgui");
mkdirSync(target, { recursive: true });
for (const name of ["yasgui.min.js", "yasgui.min.css"]) {
  copyFileSync(join(source, name), join(target, name));
}
