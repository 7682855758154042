import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Creates a new database copied from the seeded template; returns its URL. */
export async function createDatabaseFromTemplate(templateUrl = process.env.TEST_TEMPLATE_DATABASE_URL!): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: templateUrl.replace(/\/[^/]+$/, '/postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE template_supergraph`);
  } finally {
    await admin.end();
  }
  return templateUrl.replace(/\/[^/]+$/, `/${name}`);
}
