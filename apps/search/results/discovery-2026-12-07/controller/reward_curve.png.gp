set terminal pngcairo noenhanced size 1000,700
set output 'reward_curve.png'
set title 'rewards over samples: controller'
set xlabel 'sample'
set ylabel 'reward (validation accuracy)'
set grid
set key below
plot 'rewards.dat' using 1:2 with points pt 7 ps 0.6 lc rgb '#7f8fbf' title 'reward', 'rewards-against-1.dat' using 1:3 with lines lw 2 lc rgb '#2c7f3f' title 'running mean, evolution (apps/search/results/discovery-2026-12-07/evolution)', 'rewards-against-2.dat' using 1:3 with lines lw 2 lc rgb '#8e44ad' title 'running mean, random (apps/search/results/discovery-2026-12-07/random)', 0.279000 with lines dt 2 lw 1.5 lc 3 title 'adam (reference) 0.2790', 0.250000 with lines dt 3 lw 1.5 lc 4 title 'sgd (reference) 0.2500', 0.303000 with lines dt 4 lw 1.5 lc 5 title 'momentum (reference) 0.3030', 0.229000 with lines dt 5 lw 1.5 lc 6 title 'rmsprop (reference) 0.2290', 0.320000 with lines dt 2 lw 1.5 lc 7 title 'powersign (reference) 0.3200', 0.314000 with lines dt 3 lw 1.5 lc 8 title 'addsign (reference) 0.3140', 0.320000 with lines dt 4 lw 1.5 lc 9 title 't1_01 (reference) 0.3200', 0.296000 with lines dt 5 lw 1.5 lc 10 title 't1_16 (reference) 0.2960', 'rewards.dat' using 1:3 with lines lw 2.5 lc rgb '#c0392b' title 'running mean of the last 50'

unset output
