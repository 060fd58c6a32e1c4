// Reads world-atlas's 1:110m countries (TopoJSON) with topojson-client and prints each
// country's rings, projected with the Equal Earth projection, as JSON on standard output.
// Run by build.py, which names the countries by ISO 3166-1 alpha-3 and writes the file
// the page and `stanceline map` load. Nothing else is done here, so the step is small
// enough to read: the projection is a formula (Šavrič, Patterson and Jenny, 2018).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { feature } from "topojson-client";

const require = createRequire(import.meta.url);
const atlasFile = require.resolve("world-atlas/countries-110m.json");
const atlasVersion = require("world-atlas/package.json").version;
const clientVersion = require("topojson-client/package.json").version;
const topology = JSON.parse(readFileSync(atlasFile, "utf8"));
const countries = feature(topology, topology.objects.countries);

const [A1, A2, A3, A4] = [1.340264, -0.081106, 0.000893, 0.003796];
const M = Math.sqrt(3) / 2;
function equalEarth(longitude, latitude) {
  const lambda = (longitude * Math.PI) / 180;
  const theta = Math.asin(M * Math.sin((latitude * Math.PI) / 180));
  const t2 = theta * theta;
  const t6 = t2 * t2 * t2;
  const x = (lambda * Math.cos(theta)) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)));
  const y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2));
  return [x, y];
}

// A few rings cross the antimeridian (Russia's Chukotka, Fiji): their longitudes jump by
// about 360 degrees. Each is unwrapped into one continuous ring, then cut at 180 degrees
// east or west (Sutherland-Hodgman on one line), and the part beyond is moved back by 360.
function unwrap(ring) {
  const out = [ring[0]];
  for (const [longitude, latitude] of ring.slice(1)) {
    let lon = longitude;
    const previous = out[out.length - 1][0];
    while (lon - previous > 180) lon -= 360;
    while (lon - previous < -180) lon += 360;
    out.push([lon, latitude]);
  }
  return out;
}

function clip(ring, line, keepBelow) {
  const inside = ([lon]) => (keepBelow ? lon <= line : lon >= line);
  const cross = ([x1, y1], [x2, y2]) => [line, y1 + ((line - x1) / (x2 - x1)) * (y2 - y1)];
  const out = [];
  for (let i = 0; i < ring.length; i += 1) {
    const start = ring[(i + ring.length - 1) % ring.length];
    const end = ring[i];
    if (inside(end)) {
      if (!inside(start)) out.push(cross(start, end));
      out.push(end);
    } else if (inside(start)) {
      out.push(cross(start, end));
    }
  }
  return out;
}

function cut(ring) {
  const whole = unwrap(ring);
  const longitudes = whole.map(([lon]) => lon);
  const line = Math.max(...longitudes) > 180 ? 180 : Math.min(...longitudes) < -180 ? -180 : null;
  if (line === null) return [ring];
  const shift = line > 0 ? -360 : 360;
  const near = clip(whole, line, line > 0);
  const beyond = clip(whole, line, line < 0).map(([lon, lat]) => [lon + shift, lat]);
  return [near, beyond].filter((part) => part.length >= 3);
}

function polygons(geometry) {
  if (geometry === null) return [];
  if (geometry.type === "Polygon") return [geometry.coordinates];
  if (geometry.type === "MultiPolygon") return geometry.coordinates;
  throw new Error(`unexpected geometry ${geometry.type}`);
}

const shapes = countries.features.map((country) => ({
  numeric: country.id === undefined ? null : String(country.id),
  name: country.properties.name,
  rings: polygons(country.geometry).flatMap((polygon) =>
    polygon.flatMap(cut).map((ring) => ring.map(([longitude, latitude]) => equalEarth(longitude, latitude))),
  ),
}));
process.stdout.write(
  JSON.stringify({ atlas: `world-atlas ${atlasVersion}`, client: `topojson-client ${clientVersion}`, shapes }),
);
