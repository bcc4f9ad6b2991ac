set terminal svg noenhanced size 1000,700
set output 'calibration.svg'
set title 'rank agreement with the reference protocol vs cost'
set logscale x
set xlabel 'CPU cost per rule, relative to the reference'
set ylabel 'rank correlation with the reference'
set yrange [-0.2:1.05]
set grid
set key bottom right
plot 'calibration.dat' using 1:2 with linespoints pt 7 lw 2 title 'Spearman rho', '' using 1:3 with linespoints pt 5 lw 2 title 'Kendall tau-b', '' using 1:2:4 with labels offset 0,1 notitle

unset output
