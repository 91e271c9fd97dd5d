export * from './types.ts';
export * from './themes.ts';
export * from './werkblad.ts';
export * from './steps.ts';
export * from './slim.ts';
