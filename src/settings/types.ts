// The typed, validated settings every other module receives (nothing else reads process.env).
import type { LogFormat } from '../log-format.js';

export interface DbSettings {
  /** Host the app connects to; undefined on an app host = discover it. */
  host: string | undefined;
  port: number;
  name: string;
  user: string;
  password: string;
  prefix: string;
  tablePrefix: string | undefined;
  ssl: { mode?: string; cert?: string; key?: string; rootCert?: string };
  backup: boolean;
  /** The bound on PostgreSQL commits lost with the host (WAL switched and archived this often). */
  archiveSeconds: number;
}

export interface S3Settings {
  bucket: string;
  region: string;
  endpointUrl: string | undefined;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  sseAlgorithm: string | undefined;
  sseKmsKeyId: string | undefined;
}

export interface AzureSettings {
  container: string;
  accountName: string | undefined;
  /** Secret. With accountName, when there is no connection string. */
  accountKey: string | undefined;
  /** Secret. Wins over name and key; may name a BlobEndpoint (Azurite). */
  connectionString: string | undefined;
}

export interface Settings {
  /** The roles as the user wrote them, e.g. "sql:redis". */
  rolesRaw: string;
  /** Role names after expanding "all" and aliases, in catalogue order. */
  roles: string[];
  /** True when every role runs here (single host): backend services listen on loopback. */
  singleHost: boolean;
  home: string;
  backupDir: string;
  stopTimeoutSec: number;
  backupSchedule: string;
  /** When the logical dumps are taken (their own schedule). */
  dumpSchedule: string;
  backupKeep: number;
  backupDays: number;
  /** How long boot retries a store it cannot read (STORECHECKTIMEOUT). */
  storeCheckTimeoutSec: number;
  allowFreshStart: boolean;
  /** Start from an older state when the archived WAL breaks (ACCEPTOLDERSTATE). */
  acceptOlderState: boolean;
  /** A mounted docassemble backup folder to adopt from on the first boot (ADOPTFROM). */
  adoptFrom: string | undefined;
  environmentTakesPrecedence: boolean;
  logLevel: string;
  /** LOGFORMAT: json, pretty, or auto (pretty on a terminal). */
  logFormat: LogFormat;
  db: DbSettings;
  /** snapshotSeconds: REDISSNAPSHOTSECONDS, the bound on Redis writes (and file changes) lost. */
  redis: { url: string | undefined; port: number; snapshotSeconds: number };
  rabbitmq: { url: string | undefined; port: number; distPort: number; epmdPort: number };
  /** keepDays: files idle this long are deleted on the log host (LOGKEEPDAYS; 0 keeps them). */
  log: {
    server: string | undefined;
    forwardingDisabled: boolean;
    port: number;
    viewPort: number;
    /** LOGVIEWPASSWORD; undefined: generated (config/logviewer-credentials.ts). */
    viewPassword: string | undefined;
    keepDays: number;
  };
  web: {
    port: number;
    httpsPort: number;
    hostname: string | undefined;
    useHttps: boolean;
    behindLoadBalancer: boolean;
    urlRoot: string;
    wsgiApp: string | undefined;
    processes: number;
    threads: number;
    /** Cheaper mode's fewest processes; undefined: always `processes`. */
    cheaper: number | undefined;
    offloadThreads: number;
    /** FILESDIR: the app's uploaded files, kept in the store. */
    filesDir: string;
  };
  celery: {
    app: string | undefined;
    appDir: string | undefined;
    workers: number | undefined;
    maxWorkers: number | undefined;
  };
  /** undefined: the local-directory store (BACKUPDIR). */
  s3: S3Settings | undefined;
  /** undefined unless AZUREENABLE (or account, key and container are all set). */
  azure: AzureSettings | undefined;
  network: {
    ec2: boolean;
    kubernetes: boolean;
    serverHostname: string | undefined;
    advertiseAddress: string | undefined;
    /** CLUSTERTLS: the backend's listeners take TLS only beyond loopback (certs/cluster-tls.ts). */
    clusterTls: boolean;
    /** Kubernetes downward API (POD_IP). */
    podIp: string | undefined;
    /** ECS_CONTAINER_METADATA_URI_V4, set by ECS in every task. */
    ecsMetadataUri: string | undefined;
    /** IMDS base URL (AWS_EC2_METADATA_SERVICE_ENDPOINT), default http://169.254.169.254. */
    ec2MetadataEndpoint: string;
  };
  /** Discovery records in the store: how long app hosts wait, how long a record lives. */
  discovery: { timeoutSec: number; ttlSec: number };
  status: { port: number; bind: string };
  timezone: string;
  locale: string;
  /** The app's secret key (DASECRETKEY); undefined: one generated once and kept. */
  secretKey: string | undefined;
  /** Variables set in the environment (ENVIRONMENT_TAKES_PRECEDENCE overlays exactly these). */
  explicit: string[];
  /** config.yml keys from docassemble variables rolevisor only passes to the app. */
  appConfig: { key: string[]; value: unknown }[];
  /**
   * Which backend credentials the user set (DBPASSWORD; a password in REDIS; a user in
   * RABBITMQ): the ones not set are generated on a backend that listens on the network.
   */
  credentialsSet: { db: boolean; redis: boolean; rabbitmq: boolean };
  /** Values never to be logged (passwords, keys, URLs with credentials). */
  secrets: string[];
  /** Non-fatal observations made while validating, logged at boot. */
  warnings: string[];
}
