/** Something that happened to an object, as `docker events` reports it. */
export interface DomainEvent {
  type: 'container' | 'image' | 'volume' | 'network' | 'daemon' | 'builder';
  action: string;
  /** The object's id (or name, for images referenced by name). */
  id: string;
  attributes: Record<string, string>;
}

/** Where services report events; the daemon keeps and streams them. */
export interface EventSink {
  publish(event: DomainEvent): void;
}

export const noEvents: EventSink = { publish() {} };
