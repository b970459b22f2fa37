// Discovery through the store: the own address, publishing backend records, and finding
// (and following) the backend from app hosts.
export { detectOwnAddress, type OwnAddress, type OwnAddressOptions, type AddressSource } from './own-address.js';
export { publishedRecords, publishedServices } from './published-records.js';
export { startPublishing, type Publisher, type PublishOptions } from './publish.js';
export { resolveEndpoints, type LookupOptions } from './lookup.js';
export { watchEndpoints, type EndpointChange, type WatchOptions, type Watcher } from './watch.js';
export { affectedServices, lookupPlan, type ServiceLookup } from './lookup-plan.js';
export type { DiscoveryRecord, RecordDraft, DiscoveredService } from './record.js';
