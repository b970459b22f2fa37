// Endpoint values from a discovered address: URLs with this host's credentials, IPv6 in brackets.
import { endpointPatch, rabbitmqUrlFor, redisUrlFor } from '../../../src/discovery/endpoint-urls.js';
import { testSettings } from '../../helpers/env.js';

test('RabbitMQ: guest/guest on "/" without RABBITMQ, as the rabbitmq role creates it', () => {
  expect(rabbitmqUrlFor(testSettings({}), '10.0.0.5', 5672)).toBe('amqp://guest:guest@10.0.0.5:5672//');
});

test('RabbitMQ: the user, password and vhost of the RABBITMQ setting, percent-encoded', () => {
  const settings = testSettings({ RABBITMQ: 'amqp://mq%40user:p%2Fw:d@localhost:5672/app' });
  expect(rabbitmqUrlFor(settings, '10.0.0.5', 5673)).toBe('amqp://mq%40user:p%2Fw%3Ad@10.0.0.5:5673/app');
});

test('Redis and IPv6 literals', () => {
  expect(redisUrlFor('10.0.0.5', 6380)).toBe('redis://10.0.0.5:6380');
  expect(redisUrlFor('fd00::5', 6379)).toBe('redis://[fd00::5]:6379');
  expect(endpointPatch(testSettings({}), 'log', 'fd00::5', 514)).toEqual({ logServer: '[fd00::5]:514' });
  expect(endpointPatch(testSettings({}), 'sql', 'db-host', 5433)).toEqual({ dbHost: 'db-host', dbPort: 5433 });
});
