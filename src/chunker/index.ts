/**
 * Content-defined chunking (FastCDC gear hash with normalised chunking). Pure: turns a
 * stream of buffers into chunks whose boundaries depend only on content, so an edit
 * moves only the boundaries near it. Parameters are part of the format (spec/chunking.md).
 */
export * from './fastcdc.js';
