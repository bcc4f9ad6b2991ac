set terminal svg noenhanced size 1000,700
set output 'valid_perplexity.svg'
set title 'lstm: each optimizer at its best rate'
set xlabel 'epoch'
set ylabel 'validation perplexity'
set key outside right
set grid
set xtics 1
set logscale y
plot 'curve_00.dat' using 1:($3*1) with linespoints title 'd1_06 (lr 3.16228)'

unset output
