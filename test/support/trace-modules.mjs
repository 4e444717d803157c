/**
 * Preloaded with `--import`: writes `LOADED <url>` to stderr for every module the process
 * resolves, so a test can tell which packages a gateway really loads.
 */
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(
      `export async function resolve(specifier, context, next) {
        const resolved = await next(specifier, context);
        console.error('LOADED ' + resolved.url);
        return resolved;
      }`,
    ),
);
