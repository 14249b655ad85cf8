/**
 * Sizes as admins write them: "2G", "500M", "1.5GiB", "750KB", "1048576". K, M, G and T are powers
 * of 1024, with or without "B" or "iB" after them, as Dovecot's quota settings read them (so "1G"
 * means the same in both); a bare number is bytes.
 */
import { CliError } from './admin-client.js';

const powers: Record<string, number> = { '': 0, k: 1, m: 2, g: 3, t: 4 };

export function parseByteSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  if (!match) throw new CliError(`"${text}" is not a size: write bytes, or a number with K, M, G or T (powers of 1024), e.g. 2G`);
  const bytes = Math.floor(Number(match[1]) * 1024 ** powers[match[2]!.toLowerCase()]!);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new CliError(`"${text}" is not a size above zero and below 8 PiB`);
  return bytes;
}
