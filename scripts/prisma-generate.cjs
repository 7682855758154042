// Runs `prisma generate` offline. The Prisma CLI first looks for a schema-engine binary that it would
// download from Prisma's servers; `generate` does not use it, so any existing file satisfies the check
// (see README, "Environment notes"). Where a real engine is configured, it is left alone.
const { execFileSync } = require('node:child_process');
const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = __filename;
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
execFileSync(process.execPath, [require.resolve('prisma/build/index.js'), 'generate'], { stdio: 'inherit', env });
