// Exits 0 when a Redis server answers PING at the given URL (within 2 s).
const Redis = require('ioredis');

const redis = new Redis(process.argv[2], { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
redis
  .connect()
  .then(() => redis.ping())
  .then(() => {
    redis.disconnect();
    process.exit(0);
  })
  .catch(() => process.exit(1));
