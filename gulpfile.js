// Copies node and credential icons (and codex JSON) next to the compiled files in dist/.
const path = require('path');
const { task, src, dest, parallel } = require('gulp');

function copyIcons() {
	return src(['nodes/**/*.{png,svg}', 'credentials/**/*.{png,svg}', 'icons/**/*.{png,svg}'], {
		base: '.',
		encoding: false,
	}).pipe(dest(path.resolve('dist')));
}

function copyCodex() {
	return src(['nodes/**/*.node.json'], { base: '.' }).pipe(dest(path.resolve('dist')));
}

task('build:icons', parallel(copyIcons, copyCodex));
