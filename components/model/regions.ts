// Where IBM Cloud puts zones: which zones belong to which region, for the two
// infrastructures that are IBM's (classic and VPC). `lab` and `ssh` name their
// own regions and zones. From IBM's public documentation ("Locations" in the
// IBM Cloud Kubernetes Service docs, and "Creating a VPC in a different
// region" in the VPC docs): classic zones are data centers (dal10), VPC zones
// are <region>-1..3. Only multizone metros are listed for classic: single-zone
// data centers come and go (several have closed), and a user on one gets a
// message listing the region's zones rather than a silent pass.
import type { InfrastructureKind } from "./flavors";

const CLASSIC: Readonly<Record<string, readonly string[]>> = {
  "au-syd": ["syd01", "syd04", "syd05"],
  "br-sao": ["sao01", "sao04", "sao05"],
  "ca-tor": ["tor01", "tor04", "tor05"],
  "eu-de": ["fra02", "fra04", "fra05"],
  "eu-es": ["mad02", "mad04", "mad05"],
  "eu-gb": ["lon04", "lon05", "lon06"],
  "jp-osa": ["osa21", "osa22", "osa23"],
  "jp-tok": ["tok02", "tok04", "tok05"],
  "us-east": ["wdc04", "wdc06", "wdc07"],
  "us-south": ["dal10", "dal12", "dal13"],
};

const VPC_REGIONS = ["au-syd", "br-sao", "ca-mon", "ca-tor", "eu-de", "eu-es", "eu-gb", "jp-osa", "jp-tok", "us-east", "us-south"];
const VPC: Readonly<Record<string, readonly string[]>> = Object.fromEntries(VPC_REGIONS.map((r) => [r, [1, 2, 3].map((n) => `${r}-${n}`)]));

/** The catalogue for an infrastructure, or undefined when its geography is free-form. */
export function regionCatalogue(kind: InfrastructureKind): Readonly<Record<string, readonly string[]>> | undefined {
  return kind === "classic" ? CLASSIC : kind === "vpc" ? VPC : undefined;
}

/** Why `region` is not a region of the infrastructure, or undefined. */
export function regionProblem(kind: InfrastructureKind, region: string): string | undefined {
  const cat = regionCatalogue(kind);
  if (!cat || Object.prototype.hasOwnProperty.call(cat, region)) return undefined;
  return `${JSON.stringify(region)} is not an IBM Cloud ${kind} region; ${kind} regions: ${Object.keys(cat).join(", ")}`;
}

/** Why `zone` is not in `region` (a known region) of the infrastructure, or undefined. */
export function zoneProblem(kind: InfrastructureKind, region: string, zone: string): string | undefined {
  const cat = regionCatalogue(kind);
  if (!cat || !Object.prototype.hasOwnProperty.call(cat, region)) return undefined;
  const zones = cat[region];
  if (zones.includes(zone)) return undefined;
  const home = Object.keys(cat).find((r) => cat[r].includes(zone));
  return `${JSON.stringify(zone)} is not a zone of ${kind} region ${region}${home ? ` (it is in ${home})` : ""}; ${region} zones: ${zones.join(", ")}`;
}
