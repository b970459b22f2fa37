// The broker account the app uses, from the RABBITMQ URL (amqp://user:pass@host:port/vhost):
// rolevisor's rabbitmq role creates exactly that user and vhost. Unset: guest/guest on "/".

export interface RabbitmqCredentials {
  username: string;
  password: string;
  vhost: string;
}

export const DEFAULT_CREDENTIALS: RabbitmqCredentials = { username: 'guest', password: 'guest', vhost: '/' };

export function rabbitmqCredentials(url: string | undefined): RabbitmqCredentials {
  if (!url) return { ...DEFAULT_CREDENTIALS };
  const parsed = new URL(url);
  const username = decodeURIComponent(parsed.username);
  // AMQP URI spec: the path after the first "/" is the vhost; "" and "/" (from "//") are "/".
  const path = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return {
    username: username || DEFAULT_CREDENTIALS.username,
    password: username ? decodeURIComponent(parsed.password) : DEFAULT_CREDENTIALS.password,
    vhost: path || '/',
  };
}
