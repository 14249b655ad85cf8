export { limits } from './limits.js';
export { startModuleWorker } from './module-worker.js';
export type { Limits } from './limits.js';
export { ConfigError } from './config-error.js';
export type { ConfigProblem } from './config-error.js';
export { devDefaults, productionDefaults, logLevels } from './tandem-config.js';
export type { TandemConfig, TlsConfig, LogLevel, MetricsConfig } from './tandem-config.js';
export { validateConfig } from './validate-config.js';
export type { ValidateOptions } from './validate-config.js';
export { loadConfig } from './load-config.js';
export type { LoadConfigOptions, ConfigOverride } from './load-config.js';
export { clusterDefaults, degradedPolicies, linkProtections, memberRoles } from './cluster-config.js';
export type {
  ClusterAddress, ClusterConfig, ClusterMember, ClusterTiming, DegradedPolicy, LinkProtection, MemberRole, VipConfig,
} from './cluster-config.js';
export { formatAddress, parseAddress } from './validate-cluster.js';
export { ClusterSecretError, clusterSecretBytesMin, readClusterSecret } from './cluster-secret.js';
export { relayTlsModes } from './outbound-config.js';
export type { DkimKeyConfig, OutboundConfig, RelayConfig, RelayTls } from './outbound-config.js';
