// Reading the cluster spec from the stack's Pulumi config (`keelson:cluster`).
import * as pulumi from "@pulumi/pulumi";
import { parseSpecOrThrow, type ClusterSpec } from "../model/spec";

export function clusterSpecFromConfig(config = new pulumi.Config("keelson")): ClusterSpec {
  return parseSpecOrThrow(config.requireObject<unknown>("cluster"), "keelson:cluster");
}
