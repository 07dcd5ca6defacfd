// Masters: IKS runs three master replicas on separate hosts; in a multizone
// cluster they are spread across zones, one per zone (seed 000, "ibm-master-proxy").
import { ClusterView, Violation, clusterLabel, known, label, violation } from "./model";
import type { MastersConfig } from "./config";

/** masters-replicas: exactly `replicas` MasterReplica resources, on distinct hosts. */
export function mastersReplicas(view: ClusterView, cfg: MastersConfig): Violation[] {
  const out: Violation[] = [];
  const n = view.masters.length;
  // Nothing registered a master yet: a stack with no cluster at all is not this rule's business.
  if (n === 0 && !view.cluster) return out;
  if (n !== cfg.replicas) {
    out.push(
      violation(
        view.cluster,
        `${clusterLabel(view)} has ${n} master replica(s) (${view.masters.map((m) => m.name).join(", ") || "none"}); ` +
          `it needs exactly ${cfg.replicas} so etcd keeps quorum when one is lost. Fix: set the master replica count to ${cfg.replicas}.`,
      ),
    );
  }
  const byHost = new Map<string, string[]>();
  for (const m of view.masters) {
    const host = m.props.hostName;
    if (!known(host)) continue;
    byHost.set(host, [...(byHost.get(host) ?? []), m.name]);
  }
  for (const [host, names] of byHost) {
    if (names.length > 1) {
      out.push(
        violation(
          view.masters.find((m) => m.name === names[1]),
          `MasterReplica ${names.map((x) => `"${x}"`).join(" and ")} share host "${host}"; one host failure would take several replicas. Fix: give each replica its own host.`,
        ),
      );
    }
  }
  return out;
}

/**
 * masters-zone-spread: every replica is in one of the cluster's zones, and in a
 * multizone cluster the replicas cover min(#zones, #replicas) zones with no zone
 * holding more than its share (one per zone when there are at least as many zones).
 */
export function mastersZoneSpread(view: ClusterView): Violation[] {
  const out: Violation[] = [];
  const zones = view.cluster?.props.zones?.filter(known);
  const masters = view.masters.filter((m) => known(m.props.zone));
  if (masters.length === 0) return out;
  if (zones && zones.length > 0) {
    for (const m of masters) {
      if (!zones.includes(m.props.zone!)) {
        out.push(
          violation(
            m,
            `${label("MasterReplica", m)} is in zone "${m.props.zone}", which is not one of ${clusterLabel(view)}'s zones (${zones.join(", ")}). Fix: place it in a cluster zone.`,
          ),
        );
      }
    }
  }
  const clusterZones = zones && zones.length > 0 ? zones : [...new Set(masters.map((m) => m.props.zone!))];
  if (clusterZones.length < 2) return out; // single zone: separate hosts is all IKS asks
  const perZone = new Map<string, string[]>();
  for (const m of masters) perZone.set(m.props.zone!, [...(perZone.get(m.props.zone!) ?? []), m.name]);
  const share = Math.ceil(masters.length / clusterZones.length);
  const wantZones = Math.min(clusterZones.length, masters.length);
  const crowded = [...perZone].filter(([, names]) => names.length > share);
  if (perZone.size < wantZones || crowded.length > 0) {
    const layout = [...perZone].map(([z, names]) => `${z}: ${names.join(", ")}`).join("; ");
    out.push(
      violation(
        view.cluster ?? masters[0],
        `${clusterLabel(view)} is multizone (${clusterZones.join(", ")}) but its master replicas are spread ${layout}. ` +
          `Fix: put ${share === 1 ? "one replica in each zone" : `at most ${share} replicas in any zone`} so losing a zone keeps quorum.`,
      ),
    );
  }
  return out;
}
