import { randomInt } from 'node:crypto';

/** Names for containers created without one, "adjective_scientist" as Docker makes them (our own lists). */
const adjectives = [
  'agile', 'amber', 'bold', 'brave', 'bright', 'calm', 'clever', 'cosmic', 'crisp', 'daring', 'deft', 'eager',
  'earnest', 'fearless', 'fervent', 'frosty', 'gentle', 'gifted', 'golden', 'happy', 'hardy', 'humble', 'jolly',
  'keen', 'kind', 'lively', 'lucid', 'merry', 'mighty', 'modest', 'nimble', 'noble', 'patient', 'plucky', 'quick',
  'quiet', 'radiant', 'rapid', 'serene', 'sharp', 'shiny', 'silent', 'steady', 'stoic', 'sunny', 'swift', 'tender',
  'tidy', 'upbeat', 'vivid', 'warm', 'wise', 'witty', 'zealous',
];
const scientists = [
  'agnesi', 'banach', 'bohr', 'boole', 'cantor', 'carson', 'curie', 'darwin', 'dirac', 'euclid', 'euler', 'faraday',
  'fermat', 'fermi', 'franklin', 'galois', 'gauss', 'germain', 'goodall', 'hamilton', 'hopper', 'hypatia', 'kepler',
  'khayyam', 'lamarr', 'laplace', 'leakey', 'liskov', 'lovelace', 'maxwell', 'meitner', 'mendel', 'mirzakhani',
  'newton', 'noether', 'pascal', 'pasteur', 'planck', 'ramanujan', 'ride', 'shannon', 'somerville', 'tesla',
  'turing', 'volta', 'wiles', 'wu', 'yalow',
];

export function generateName(isTaken: (name: string) => boolean): string {
  for (let i = 0; i < 20; i++) {
    const name = `${adjectives[randomInt(adjectives.length)]}_${scientists[randomInt(scientists.length)]}`;
    const candidate = i < 10 ? name : `${name}${randomInt(10)}`;
    if (!isTaken(candidate)) return candidate;
  }
  return `${adjectives[randomInt(adjectives.length)]}_${scientists[randomInt(scientists.length)]}${randomInt(1_000_000)}`;
}
