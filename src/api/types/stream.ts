/** One message of a JSON progress stream (pull, push, import, load, build). */
export interface JSONMessage {
  stream?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number; start?: number; hidecounts?: boolean; units?: string };
  progress?: string;
  id?: string;
  errorDetail?: { code?: number; message: string };
  error?: string;
  aux?: unknown;
}

/** Stream ids of the 8-byte multiplexed framing (moby stdcopy). */
export const StreamId = { stdin: 0, stdout: 1, stderr: 2, systemerr: 3 } as const;

export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';
