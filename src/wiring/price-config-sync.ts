/**
 * Price configuration people edit in the browser (tariffs and price sources, issue 16) across a cluster's nodes
 * (issue 19, "people's changes go over NATS"). The database holds every edit; the node that made it says which tariff
 * or source changed (`tariffs.changed`, `price-sources.changed`), and every other node reloads that one entry: its
 * tariff book prices the sites it plans with the new tariff (and re-plans those that pay it), and the node that runs
 * the cluster's price pulls pulls what was saved on any node. A lost message costs that node the edit until its next
 * restart; a single process needs none of this (`share` is never called).
 */
import type { ClusterNode } from '../cluster/node.js';
import type { Logger } from '../platform/logger.js';

/** Ids and names are at most this long on the wire (the admin APIs allow 64). */
const MAX_KEY = 200;

export class PriceConfigChanges {
  private tariffOut: (name: string) => void = () => {};
  private sourceOut: (id: string) => void = () => {};

  /** TariffAdmin's `changed` hook. */
  readonly tariff = (name: string): void => this.tariffOut(name);
  /** PriceSourceAdmin's `changed` hook. */
  readonly source = (id: string): void => this.sourceOut(id);

  share(
    cluster: ClusterNode,
    admin: { tariffs: { reload(name: string): Promise<string[]> }; sources: { reload(id: string): Promise<void> } },
    replan: (siteIds: readonly string[]) => void,
    logger: Logger,
  ): void {
    cluster.mirror<{ name?: unknown }>('tariffs.changed', (publish) => void (this.tariffOut = (name) => publish({ name })), (e) => {
      if (typeof e.name !== 'string') return;
      const name = e.name.slice(0, MAX_KEY);
      admin.tariffs.reload(name).then(replan, (err: unknown) => logger.warn({ err, tariff: name }, 'cluster: reloading a tariff another node changed failed'));
    });
    cluster.mirror<{ id?: unknown }>('price-sources.changed', (publish) => void (this.sourceOut = (id) => publish({ id })), (e) => {
      if (typeof e.id !== 'string') return;
      const id = e.id.slice(0, MAX_KEY);
      admin.sources.reload(id).catch((err: unknown) => logger.warn({ err, source: id }, 'cluster: reloading a price source another node changed failed'));
    });
  }
}
