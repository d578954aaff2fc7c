export const PLACEHOLDER = 1n;
