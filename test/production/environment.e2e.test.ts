/**
 * The environment the production suite runs on (test/production/global-setup.ts, scripts/production-like.ts): the
 * Temporal server built from the vendor's Go module on PostgreSQL, SQL visibility, the namespace with the .env's
 * retention, the Web UI, and the database password kept out of reach.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { ensureSearchAttributes } from '../../runtime/search-attributes.js';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { fileMode, retentionSeconds, TEMPORAL_SERVER_VERSION } from '../../scripts/production-like.js';
import { production } from './context.js';

describe('the production-like environment under the suite', () => {
  let connection: Connection;
  const addresses = () => {
    const ctx = production();
    return { namespace: ctx.namespace, temporal: ctx.temporal, ui: ctx.ui, retention: ctx.retention, passwordFile: ctx.passwordFile };
  };

  beforeAll(async () => {
    connection = await Connection.connect({ address: production().temporal });
  });
  afterAll(() => connection?.close());

  it('keeps the database password in a file of mode 0600', () => {
    expect(fileMode(addresses().passwordFile)).toBe(0o600);
  });

  it('has the namespace with the retention of the compose file', async () => {
    const described = await connection.workflowService.describeNamespace({ namespace: addresses().namespace });
    expect(Number(described.config?.workflowExecutionRetentionTtl?.seconds)).toBe(retentionSeconds(addresses().retention));
  });

  it('runs the server version the compose file names, on SQL persistence', async () => {
    const info = await connection.workflowService.getSystemInfo({});
    expect(`v${info.serverVersion}`).toBe(TEMPORAL_SERVER_VERSION);
    const cluster = await connection.operatorService.listClusters({});
    expect(cluster.clusters?.length).toBeGreaterThan(0);
  });

  it('answers visibility queries on the engine search attributes (SQL visibility on PostgreSQL)', async () => {
    const namespace = addresses().namespace;
    await ensureSearchAttributes(connection, namespace);
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    for (const key of ALL_SEARCH_ATTRIBUTES) expect(Object.keys(listed.customAttributes ?? {})).toContain(key.name);

    // The frontend learns of new attributes when it refreshes its namespace cache (seconds): ask until it knows.
    const client = new Client({ connection, namespace });
    const query = 'WaakvlamMunicipality = "GM0363" AND WaakvlamOpenSteps > 0 AND WaakvlamNextDeadline < "2100-01-01T00:00:00Z"';
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const { count } = await client.workflow.count(query);
        expect(count).toBeGreaterThanOrEqual(0);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }, 120_000);

  it('serves the Web UI, pointed at the server', async () => {
    const res = await fetch(`${addresses().ui}/api/v1/namespaces/${addresses().namespace}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { namespaceInfo?: { name?: string } };
    expect(body.namespaceInfo?.name).toBe(addresses().namespace);
  });

});
