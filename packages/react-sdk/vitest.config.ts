import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';
import { packageConfig } from '../../vitest.shared.ts';

const dir = (name: string) => fileURLToPath(new URL(`./node_modules/${name}`, import.meta.url));

// The component tests run twice: with React 19 and with React 18 (react-18 / react-dom-18 are npm
// aliases; test/react-18-setup.ts gives React DOM 18 its own React).
export default mergeConfig(
  packageConfig({ environment: 'jsdom' }),
  defineConfig({
    test: {
      projects: [
        { extends: true, test: { name: 'react-19' } },
        {
          extends: true,
          test: {
            name: 'react-18',
            exclude: ['src/**/*.test.ts', '**/node_modules/**'],
            env: { ACCRUPAY_TEST_REACT_18_DIR: dir('react-18') },
            typecheck: { enabled: false },
            setupFiles: ['./test/react-18-setup.ts'],
          },
          resolve: {
            alias: [
              { find: /^react-dom(\/.*)?$/, replacement: `${dir('react-dom-18')}$1` },
              { find: /^react(\/.*)?$/, replacement: `${dir('react-18')}$1` },
            ],
          },
        },
      ],
    },
  }),
);
